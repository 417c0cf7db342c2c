package dev.billbridge.sandbox.chargebee;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.billbridge.sandbox.support.Json;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The in-memory state of one simulated Chargebee site and the business rules acting on it.
 * Every public-to-the-package method is synchronized: one lock keeps resources, the event log and
 * the order in which events reach the dispatcher consistent with each other.
 */
final class SiteState {
    private static final long DAY = 86_400L;
    /** Dunning: a failed charge is retried this many times, 3 days apart, then the subscription is cancelled. */
    static final int DUNNING_RETRIES = 3;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final LongSupplier nowMillis;
    private final Consumer<ObjectNode> eventSink;
    private final String publicBaseUrl;
    private final long catalogCreatedAt;

    private final Map<String, Customer> customers = new LinkedHashMap<>();
    private final Map<String, Sub> subs = new LinkedHashMap<>();
    private final Map<String, HostedPage> pages = new LinkedHashMap<>();
    private final Map<String, PortalSession> portals = new LinkedHashMap<>();
    private final List<ObjectNode> events = new ArrayList<>();
    private final Map<String, Integer> failingCharges = new HashMap<>();
    private long lastResourceVersion;
    private long invoiceSeq = 1;

    SiteState(LongSupplier nowMillis, Consumer<ObjectNode> eventSink, String publicBaseUrl) {
        this.nowMillis = nowMillis;
        this.eventSink = eventSink;
        this.publicBaseUrl = publicBaseUrl;
        this.catalogCreatedAt = nowMillis.getAsLong() / 1000 - 30 * DAY;
    }

    // ---------------------------------------------------------------- model

    static final class Customer {
        String id;
        String firstName;
        String lastName;
        String email;
        String company;
        String phone;
        String locale;
        String autoCollection = "on";
        int netTermDays;
        ObjectNode metaData;
        ObjectNode billingAddress;
        final Map<String, String> customFields = new TreeMap<>();
        String cardStatus = "no_card";
        long createdAt;
        long updatedAt;
        long resourceVersion;
        boolean deleted;

        ObjectNode toJson() {
            ObjectNode n = Json.object();
            n.put("id", id);
            putOpt(n, "first_name", firstName);
            putOpt(n, "last_name", lastName);
            putOpt(n, "email", email);
            putOpt(n, "phone", phone);
            putOpt(n, "company", company);
            putOpt(n, "locale", locale);
            n.put("auto_collection", autoCollection).put("net_term_days", netTermDays)
                    .put("allow_direct_debit", false).put("created_at", createdAt).put("taxability", "taxable")
                    .put("updated_at", updatedAt).put("pii_cleared", "active").put("channel", "web")
                    .put("resource_version", resourceVersion).put("deleted", deleted).put("object", "customer")
                    .put("card_status", cardStatus).put("promotional_credits", 0).put("refundable_credits", 0)
                    .put("excess_payments", 0).put("unbilled_charges", 0).put("preferred_currency_code", "USD")
                    .put("mrr", 0);
            if (billingAddress != null) {
                n.set("billing_address", billingAddress.deepCopy());
            }
            if (metaData != null) {
                n.set("meta_data", metaData.deepCopy());
            }
            customFields.forEach(n::put);
            return n;
        }
    }

    record Item(ItemPriceDef price, int quantity, long unitPrice) {
        long amount() {
            return unitPrice * quantity;
        }

        ObjectNode toJson() {
            ObjectNode n = Json.object();
            n.put("item_price_id", price.id()).put("item_type", price.itemType()).put("quantity", quantity)
                    .put("unit_price", unitPrice).put("amount", amount()).put("free_quantity", 0)
                    .put("object", "subscription_item");
            return n;
        }
    }

    static final class Sub {
        String id;
        String customerId;
        String status;
        List<Item> items = new ArrayList<>();
        Long startDate;
        Long trialStart;
        Long trialEnd;
        Long termStart;
        Long termEnd;
        Long startedAt;
        Long activatedAt;
        Long cancelledAt;
        String cancelReasonCode;
        String cancelReason;
        Long cancelScheduleCreatedAt;
        Long pauseDate;
        Long resumeDate;
        long createdAt;
        long updatedAt;
        long resourceVersion;
        boolean deleted;
        ObjectNode metaData;
        String poNumber;
        String invoiceNotes;
        // dunning
        int dueInvoicesCount;
        Long dueSince;
        long totalDues;
        int dunningAttempts;
        Long dunningRetryAt;

        ItemPriceDef plan() {
            return items.stream().map(Item::price).filter(p -> p.itemType().equals("plan")).findFirst()
                    .orElseThrow();
        }

        long amount() {
            return items.stream().mapToLong(Item::amount).sum();
        }

        Long nextBillingAt() {
            return switch (status) {
                case "in_trial", "active" -> termEnd;
                case "future" -> startDate;
                default -> null;
            };
        }

        ObjectNode toJson() {
            ObjectNode n = Json.object();
            ItemPriceDef plan = plan();
            n.put("id", id).put("billing_period", plan.period()).put("billing_period_unit", plan.periodUnit())
                    .put("customer_id", customerId).put("status", status).put("currency_code", ItemPriceDef.CURRENCY)
                    .put("auto_collection", "on").put("created_at", createdAt).put("updated_at", updatedAt)
                    .put("resource_version", resourceVersion).put("deleted", deleted).put("object", "subscription")
                    .put("channel", "web").put("has_scheduled_changes", false)
                    .put("has_scheduled_advance_invoices", false).put("due_invoices_count", dueInvoicesCount)
                    .put("mrr", "cancelled".equals(status) || "in_trial".equals(status) ? 0 : monthly(plan));
            putOpt(n, "start_date", startDate);
            putOpt(n, "trial_start", trialStart);
            putOpt(n, "trial_end", trialEnd);
            if (trialEnd != null) {
                n.put("trial_end_action", "site_default");
            }
            putOpt(n, "current_term_start", termStart);
            putOpt(n, "current_term_end", termEnd);
            putOpt(n, "next_billing_at", nextBillingAt());
            putOpt(n, "started_at", startedAt);
            putOpt(n, "activated_at", activatedAt);
            putOpt(n, "cancelled_at", cancelledAt);
            putOpt(n, "cancel_reason_code", cancelReasonCode);
            putOpt(n, "cancel_reason", cancelReason);
            putOpt(n, "cancel_schedule_created_at", cancelScheduleCreatedAt);
            putOpt(n, "pause_date", pauseDate);
            putOpt(n, "resume_date", resumeDate);
            putOpt(n, "po_number", poNumber);
            putOpt(n, "invoice_notes", invoiceNotes);
            if (dueInvoicesCount > 0) {
                n.put("due_since", dueSince).put("total_dues", totalDues);
            }
            ArrayNode arr = n.putArray("subscription_items");
            items.forEach(i -> arr.add(i.toJson()));
            if (metaData != null) {
                n.set("meta_data", metaData.deepCopy());
            }
            return n;
        }

        private long monthly(ItemPriceDef plan) {
            long total = amount();
            return plan.periodUnit().equals("year") ? total / 12 : total;
        }
    }

    static final class HostedPage {
        String id;
        String type;
        String state = "created";
        long createdAt;
        long expiresAt;
        long updatedAt;
        long resourceVersion;
        String redirectUrl;
        String cancelUrl;
        String passThruContent;
        Map<String, String> params;
        List<Item> items;
        ObjectNode content;

        ObjectNode toJson(String baseUrl) {
            ObjectNode n = Json.object();
            n.put("id", id).put("type", type).put("url", baseUrl + "/pages/" + id).put("state", state)
                    .put("embed", false).put("created_at", createdAt).put("expires_at", expiresAt)
                    .put("updated_at", updatedAt).put("resource_version", resourceVersion)
                    .put("object", "hosted_page");
            putOpt(n, "pass_thru_content", passThruContent);
            if (content != null) {
                n.set("content", content.deepCopy());
            }
            return n;
        }
    }

    static final class PortalSession {
        String id;
        String token;
        String customerId;
        String redirectUrl;
        String status = "created";
        long createdAt;
        long expiresAt;

        ObjectNode toJson(String baseUrl) {
            ObjectNode n = Json.object();
            n.put("id", id).put("token", token).put("access_url", baseUrl + "/portal/" + token)
                    .put("status", status).put("created_at", createdAt).put("expires_at", expiresAt)
                    .put("object", "portal_session").put("customer_id", customerId);
            putOpt(n, "redirect_url", redirectUrl);
            return n;
        }
    }

    // ---------------------------------------------------------------- helpers

    static void putOpt(ObjectNode n, String k, String v) {
        if (v != null) {
            n.put(k, v);
        }
    }

    static void putOpt(ObjectNode n, String k, Long v) {
        if (v != null) {
            n.put(k, v);
        }
    }

    static String randomId(String prefix, int len) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < len; i++) {
            sb.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    private long nowSec() {
        return nowMillis.getAsLong() / 1000;
    }

    /** Resource versions are milliseconds and strictly increasing, so two changes in one millisecond still order. */
    private long nextRv(long atMillis) {
        lastResourceVersion = Math.max(atMillis, lastResourceVersion + 1);
        return lastResourceVersion;
    }

    private long rvAt(long atSec) {
        long now = nowMillis.getAsLong();
        // a change happening "now" gets millisecond precision; one replayed by a clock advance gets its due time
        return nextRv(atSec == now / 1000 ? now : atSec * 1000);
    }

    private void touch(Sub s, long at) {
        s.updatedAt = at;
        s.resourceVersion = rvAt(at);
    }

    private void touch(Customer c, long at) {
        c.updatedAt = at;
        c.resourceVersion = rvAt(at);
    }

    static String str(Map<String, String> p, String key) {
        String v = p.get(key);
        // the SDK sends "" for an optional parameter set to null: treat it as absent
        return v == null || v.isEmpty() ? null : v;
    }

    static boolean bool(Map<String, String> p, String key, boolean dflt) {
        String v = str(p, key);
        return v == null ? dflt : Boolean.parseBoolean(v);
    }

    static Integer integer(Map<String, String> p, String key) {
        String v = str(p, key);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ApiError.invalid(key, key + " : invalid integer " + v);
        }
    }

    static Long longParam(Map<String, String> p, String key) {
        String v = str(p, key);
        if (v == null) {
            return null;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiError.invalid(key, key + " : invalid number " + v);
        }
    }

    /** Collects {@code name[i]} parameters into index order. */
    static TreeMap<Integer, String> indexed(Map<String, String> p, String name) {
        TreeMap<Integer, String> out = new TreeMap<>();
        String prefix = name + "[";
        for (Map.Entry<String, String> e : p.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(prefix) && k.endsWith("]")) {
                try {
                    int i = Integer.parseInt(k.substring(prefix.length(), k.length() - 1));
                    if (!e.getValue().isEmpty()) {
                        out.put(i, e.getValue());
                    }
                } catch (NumberFormatException ignored) {
                    // not an indexed parameter
                }
            }
        }
        return out;
    }

    private static ObjectNode metaData(Map<String, String> p, String key) {
        String raw = str(p, key);
        if (raw == null) {
            return null;
        }
        try {
            JsonNode n = Json.parse(raw);
            if (!n.isObject()) {
                throw ApiError.invalid(key, key + " : must be a JSON object");
            }
            return (ObjectNode) n;
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(key, key + " : invalid JSON");
        }
    }

    private long plusPeriod(long at, ItemPriceDef plan) {
        ZonedDateTime t = Instant.ofEpochSecond(at).atZone(ZoneOffset.UTC);
        t = plan.periodUnit().equals("year") ? t.plusYears(plan.period()) : t.plusMonths(plan.period());
        return t.toEpochSecond();
    }

    // ---------------------------------------------------------------- events

    private void emit(String type, long at, ObjectNode content) {
        ObjectNode ev = Json.object();
        ev.put("id", randomId("ev_", 16)).put("occurred_at", at).put("source", "api").put("object", "event")
                .put("api_version", "v2").put("event_type", type).put("webhook_status", "scheduled");
        ev.set("content", content);
        events.add(ev);
        eventSink.accept(ev.deepCopy());
    }

    private ObjectNode subContent(Sub s) {
        ObjectNode c = Json.object();
        c.set("subscription", s.toJson());
        Customer cu = customers.get(s.customerId);
        if (cu != null) {
            c.set("customer", cu.toJson());
        }
        return c;
    }

    private ObjectNode customerContent(Customer c) {
        ObjectNode n = Json.object();
        n.set("customer", c.toJson());
        return n;
    }

    synchronized List<ObjectNode> events() {
        List<ObjectNode> out = new ArrayList<>();
        events.forEach(e -> out.add(e.deepCopy()));
        return out;
    }

    synchronized ObjectNode event(String id) {
        return events.stream().filter(e -> e.get("id").asText().equals(id)).findFirst()
                .map(ObjectNode::deepCopy).orElseThrow(() -> ApiError.notFound("event", id, null));
    }

    // ---------------------------------------------------------------- catalog

    ItemPriceDef price(String id, String param) {
        return ItemPriceDef.SEEDED.stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow(() -> ApiError.notFound("item_price", id, param));
    }

    List<ObjectNode> itemPrices() {
        List<ObjectNode> out = new ArrayList<>();
        ItemPriceDef.SEEDED.forEach(p -> out.add(p.toJson(catalogCreatedAt)));
        return out;
    }

    // ---------------------------------------------------------------- customers

    private Customer liveCustomer(String id, String param) {
        Customer c = customers.get(id);
        if (c == null || c.deleted) {
            throw ApiError.notFound("customer", id, param);
        }
        return c;
    }

    private void applyCustomerParams(Customer c, Map<String, String> p, String prefix) {
        String v;
        if ((v = str(p, prefix + "first_name" + suffix(prefix))) != null) {
            c.firstName = v;
        }
        if ((v = str(p, prefix + "last_name" + suffix(prefix))) != null) {
            c.lastName = v;
        }
        if ((v = str(p, prefix + "email" + suffix(prefix))) != null) {
            c.email = v;
        }
        if ((v = str(p, prefix + "company" + suffix(prefix))) != null) {
            c.company = v;
        }
        if ((v = str(p, prefix + "phone" + suffix(prefix))) != null) {
            c.phone = v;
        }
        if ((v = str(p, prefix + "locale" + suffix(prefix))) != null) {
            c.locale = v;
        }
        if (prefix.isEmpty()) {
            if ((v = str(p, "auto_collection")) != null) {
                c.autoCollection = v;
            }
            Integer ntd = integer(p, "net_term_days");
            if (ntd != null) {
                c.netTermDays = ntd;
            }
            ObjectNode md = metaData(p, "meta_data");
            if (md != null) {
                c.metaData = md;
            }
            for (Map.Entry<String, String> e : p.entrySet()) {
                Matcher m = Pattern.compile("billing_address\\[([a-z_0-9]+)]").matcher(e.getKey());
                if (m.matches() && !e.getValue().isEmpty()) {
                    if (c.billingAddress == null) {
                        c.billingAddress = Json.object().put("object", "billing_address");
                    }
                    c.billingAddress.put(m.group(1), e.getValue());
                }
                if (e.getKey().startsWith("cf_") && !e.getValue().isEmpty()) {
                    c.customFields.put(e.getKey(), e.getValue());
                }
            }
        }
    }

    private static String suffix(String prefix) {
        return prefix.isEmpty() ? "" : "]";
    }

    private static void validateCustomerId(String id, String param) {
        if (id.length() > 50) {
            throw ApiError.invalid(param, param + " : cannot be more than 50 characters in length.");
        }
        if (!id.matches("[A-Za-z0-9_\\-.@]+")) {
            throw ApiError.invalid(param, param + " : invalid characters in id");
        }
    }

    synchronized ObjectNode createCustomer(Map<String, String> p) {
        processDue();
        String id = str(p, "id");
        if (id != null) {
            validateCustomerId(id, "id");
            Customer existing = customers.get(id);
            if (existing != null && !existing.deleted) {
                throw ApiError.duplicate("id", id);
            }
        } else {
            id = randomId("", 16);
        }
        Customer c = newCustomer(id);
        applyCustomerParams(c, p, "");
        customers.put(id, c);
        emit("customer_created", c.createdAt, customerContent(c));
        return wrap("customer", c.toJson());
    }

    private Customer newCustomer(String id) {
        Customer c = new Customer();
        c.id = id;
        c.createdAt = nowSec();
        touch(c, c.createdAt);
        customers.remove(id); // a deleted customer's id may be reused
        return c;
    }

    synchronized ObjectNode retrieveCustomer(String id) {
        processDue();
        return wrap("customer", liveCustomer(id, null).toJson());
    }

    synchronized ObjectNode updateCustomer(String id, Map<String, String> p) {
        processDue();
        Customer c = liveCustomer(id, null);
        applyCustomerParams(c, p, "");
        touch(c, nowSec());
        emit("customer_changed", c.updatedAt, customerContent(c));
        return wrap("customer", c.toJson());
    }

    synchronized ObjectNode deleteCustomer(String id) {
        processDue();
        Customer c = liveCustomer(id, null);
        long now = nowSec();
        // Chargebee deletes a customer's subscriptions along with it
        for (Sub s : subs.values()) {
            if (s.customerId.equals(id) && !s.deleted) {
                s.deleted = true;
                touch(s, now);
                emit("subscription_deleted", now, subContent(s));
            }
        }
        c.deleted = true;
        touch(c, now);
        emit("customer_deleted", now, customerContent(c));
        return wrap("customer", c.toJson());
    }

    synchronized ObjectNode listCustomers(Map<String, String> p) {
        processDue();
        boolean includeDeleted = bool(p, "include_deleted", false);
        List<ObjectNode> all = new ArrayList<>();
        for (Customer c : customers.values()) {
            if (includeDeleted || !c.deleted) {
                all.add(c.toJson());
            }
        }
        return page(filterAndSort(all, p, "created_at"), p, n -> wrap("customer", n));
    }

    // ---------------------------------------------------------------- subscriptions

    private Sub liveSub(String id, String param) {
        Sub s = subs.get(id);
        if (s == null || s.deleted) {
            throw ApiError.notFound("subscription", id, param);
        }
        return s;
    }

    synchronized ObjectNode retrieveSubscription(String id) {
        processDue();
        return subContent(liveSub(id, null));
    }

    synchronized ObjectNode listSubscriptions(Map<String, String> p, String onlyCustomer) {
        processDue();
        if (onlyCustomer != null) {
            liveCustomer(onlyCustomer, null);
        }
        boolean includeDeleted = bool(p, "include_deleted", false);
        List<ObjectNode> all = new ArrayList<>();
        for (Sub s : subs.values()) {
            if ((includeDeleted || !s.deleted) && (onlyCustomer == null || s.customerId.equals(onlyCustomer))) {
                all.add(s.toJson());
            }
        }
        return page(filterAndSort(all, p, "created_at"), p, n -> {
            ObjectNode e = wrap("subscription", n);
            Customer c = customers.get(n.get("customer_id").asText());
            if (c != null) {
                e.set("customer", c.toJson());
            }
            return e;
        });
    }

    synchronized ObjectNode cancelForItems(String id, Map<String, String> p) {
        processDue();
        Sub s = liveSub(id, null);
        long now = nowSec();
        if (s.status.equals("cancelled")) {
            throw ApiError.invalidState("The subscription is already cancelled.");
        }
        String option = str(p, "cancel_option");
        boolean endOfTerm = option != null ? option.equals("end_of_this_term") : bool(p, "end_of_term", false);
        Long cancelAt = option != null && option.equals("specific_date") ? longParam(p, "cancel_at") : null;
        s.cancelReasonCode = str(p, "cancel_reason_code");
        if ((endOfTerm || cancelAt != null) && !s.status.equals("future")) {
            if (s.status.equals("paused")) {
                throw ApiError.invalidState("A paused subscription can only be cancelled immediately.");
            }
            long at = cancelAt != null ? cancelAt : s.termEnd;
            s.status = "non_renewing";
            s.termEnd = Math.min(s.termEnd, at);
            s.cancelledAt = s.termEnd;
            s.cancelScheduleCreatedAt = now;
            touch(s, now);
            emit("subscription_cancellation_scheduled", now, subContent(s));
        } else {
            cancelNow(s, now, null);
        }
        return subContent(s);
    }

    private void cancelNow(Sub s, long at, String reason) {
        s.status = "cancelled";
        s.cancelledAt = at;
        s.cancelReason = reason;
        s.termEnd = s.termEnd == null ? null : Math.min(s.termEnd, at);
        s.dunningRetryAt = null;
        s.pauseDate = null;
        s.resumeDate = null;
        touch(s, at);
        emit("subscription_cancelled", at, subContent(s));
    }

    synchronized ObjectNode removeScheduledCancellation(String id) {
        processDue();
        Sub s = liveSub(id, null);
        if (!s.status.equals("non_renewing")) {
            throw ApiError.invalidState("The subscription has no scheduled cancellation.");
        }
        long now = nowSec();
        s.status = s.trialEnd != null && s.trialEnd > now ? "in_trial" : "active";
        s.cancelledAt = null;
        s.cancelScheduleCreatedAt = null;
        s.cancelReasonCode = null;
        touch(s, now);
        emit("subscription_scheduled_cancellation_removed", now, subContent(s));
        return subContent(s);
    }

    synchronized ObjectNode updateForItems(String id, Map<String, String> p) {
        processDue();
        Sub s = liveSub(id, null);
        if (s.status.equals("cancelled")) {
            throw ApiError.invalidState("Cannot update a cancelled subscription.");
        }
        List<Item> items = parseItems(p, bool(p, "replace_items_list", false) ? List.of() : s.items);
        long now = nowSec();
        s.items = items;
        ObjectNode md = metaData(p, "meta_data");
        if (md != null) {
            s.metaData = md;
        }
        touch(s, now);
        emit("subscription_changed", now, subContent(s));
        return subContent(s);
    }

    synchronized ObjectNode pause(String id, Map<String, String> p) {
        processDue();
        Sub s = liveSub(id, null);
        if (!s.status.equals("active")) {
            throw ApiError.invalidState("Only active subscriptions can be paused.");
        }
        long now = nowSec();
        String option = str(p, "pause_option");
        s.resumeDate = longParam(p, "resume_date");
        if (option == null || option.equals("immediately")) {
            s.pauseDate = now;
            s.status = "paused";
            touch(s, now);
            emit("subscription_paused", now, subContent(s));
        } else {
            s.pauseDate = option.equals("specific_date") ? longParam(p, "pause_date") : s.termEnd;
            if (s.pauseDate == null) {
                throw ApiError.invalid("pause_date", "pause_date : cannot be blank");
            }
            touch(s, now);
            emit("subscription_pause_scheduled", now, subContent(s));
        }
        return subContent(s);
    }

    synchronized ObjectNode resume(String id, Map<String, String> p) {
        processDue();
        Sub s = liveSub(id, null);
        if (!s.status.equals("paused")) {
            throw ApiError.invalidState("Only paused subscriptions can be resumed.");
        }
        String option = str(p, "resume_option");
        long now = nowSec();
        if (option != null && option.equals("specific_date")) {
            s.resumeDate = longParam(p, "resume_date");
            touch(s, now);
            emit("subscription_resumption_scheduled", now, subContent(s));
        } else {
            resumeAt(s, now);
        }
        return subContent(s);
    }

    private void resumeAt(Sub s, long at) {
        s.status = "active";
        s.pauseDate = null;
        s.resumeDate = null;
        s.termStart = at;
        s.termEnd = plusPeriod(at, s.plan());
        touch(s, at);
        emit("subscription_resumed", at, subContent(s));
        charge(s, at, s.amount(), false);
    }

    /** Parses {@code subscription_items[...][i]} on top of {@code base} (merge) or alone (replace). */
    private List<Item> parseItems(Map<String, String> p, List<Item> base) {
        TreeMap<Integer, String> ids = indexed(p, "subscription_items[item_price_id]");
        if (ids.isEmpty() && base.isEmpty()) {
            throw ApiError.invalid("subscription_items[item_price_id][0]",
                    "subscription_items[item_price_id][0] : cannot be blank");
        }
        TreeMap<Integer, String> qty = indexed(p, "subscription_items[quantity]");
        TreeMap<Integer, String> unit = indexed(p, "subscription_items[unit_price]");
        List<Item> items = new ArrayList<>(base);
        for (Map.Entry<Integer, String> e : ids.entrySet()) {
            int i = e.getKey();
            String param = "subscription_items[item_price_id][" + i + "]";
            ItemPriceDef price = price(e.getValue(), param);
            String qParam = "subscription_items[quantity][" + i + "]";
            int q = qty.containsKey(i) ? integer(Map.of(qParam, qty.get(i)), qParam) : 1;
            if (q < 1) {
                throw ApiError.invalid(qParam, qParam + " : should be at least 1");
            }
            String uParam = "subscription_items[unit_price][" + i + "]";
            long u = unit.containsKey(i) ? longParam(Map.of(uParam, unit.get(i)), uParam) : price.priceCents();
            items.removeIf(it -> it.price().id().equals(price.id())
                    || (price.itemType().equals("plan") && it.price().itemType().equals("plan")));
            items.add(new Item(price, q, u));
        }
        long plans = items.stream().filter(it -> it.price().itemType().equals("plan")).count();
        if (plans != 1) {
            throw ApiError.invalid("subscription_items[item_price_id][0]",
                    "subscription_items : exactly one plan item price is required, found " + plans);
        }
        items.sort(Comparator.comparing((Item it) -> !it.price().itemType().equals("plan")));
        return items;
    }

    // ---------------------------------------------------------------- payments and dunning

    /** Marks the customer's next {@code n} recurring charges (renewal, trial end, dunning retry) as failing. */
    synchronized void failNextPayment(String customerId, int n) {
        failingCharges.merge(customerId, n, Integer::sum);
    }

    private void charge(Sub s, long at, long amount, boolean retry) {
        Customer c = customers.get(s.customerId);
        int failing = failingCharges.getOrDefault(s.customerId, 0);
        boolean fail = failing > 0;
        if (fail) {
            if (failing == 1) {
                failingCharges.remove(s.customerId);
            } else {
                failingCharges.put(s.customerId, failing - 1);
            }
        }
        String invoiceId = String.valueOf(invoiceSeq++);
        if (fail) {
            if (!retry) {
                s.dueInvoicesCount++;
                s.totalDues += amount;
            }
            if (s.dueSince == null) {
                s.dueSince = at;
            }
            s.dunningAttempts++;
            s.dunningRetryAt = s.dunningAttempts <= DUNNING_RETRIES ? at + 3 * DAY : null;
            touch(s, at);
            emit("payment_failed", at, paymentContent(s, c, invoiceId, retry ? s.totalDues : amount, false, at));
            if (s.dunningRetryAt == null) {
                cancelNow(s, at, "not_paid");
            }
        } else {
            // a retry collects the dues; a renewal collects its own amount plus anything still due
            long paid = retry ? s.totalDues : amount + s.totalDues;
            boolean hadDues = s.dueInvoicesCount > 0;
            s.dueInvoicesCount = 0;
            s.totalDues = 0;
            s.dueSince = null;
            s.dunningAttempts = 0;
            s.dunningRetryAt = null;
            if (hadDues) {
                touch(s, at);
            }
            emit("payment_succeeded", at, paymentContent(s, c, invoiceId, paid, true, at));
        }
    }

    private ObjectNode paymentContent(Sub s, Customer c, String invoiceId, long amount, boolean ok, long at) {
        ObjectNode content = subContent(s);
        ObjectNode txn = Json.object();
        txn.put("id", randomId("txn_", 16)).put("customer_id", s.customerId).put("subscription_id", s.id)
                .put("payment_method", "card").put("gateway", "chargebee").put("gateway_account_id", "gw_sandbox")
                .put("type", "payment").put("date", at).put("amount", amount).put("currency_code", "USD")
                .put("base_currency_code", "USD").put("status", ok ? "success" : "failure")
                .put("exchange_rate", 1.0).put("updated_at", at).put("resource_version", nextRv(at * 1000))
                .put("deleted", false).put("object", "transaction");
        if (!ok) {
            txn.put("error_code", "card_declined").put("error_text", "Simulated decline (failNextPayment)");
        }
        ObjectNode inv = Json.object();
        inv.put("id", invoiceId).put("customer_id", s.customerId).put("subscription_id", s.id)
                .put("recurring", true).put("status", ok ? "paid" : "payment_due").put("price_type", "tax_exclusive")
                .put("date", at).put("due_date", at).put("net_term_days", 0).put("exchange_rate", 1.0)
                .put("currency_code", "USD").put("base_currency_code", "USD").put("total", amount)
                .put("sub_total", amount).put("tax", 0).put("amount_paid", ok ? amount : 0)
                .put("amount_due", ok ? 0 : amount).put("amount_adjusted", 0).put("credits_applied", 0)
                .put("write_off_amount", 0).put("term_finalized", true).put("is_gifted", false)
                .put("updated_at", at).put("resource_version", nextRv(at * 1000)).put("deleted", false)
                .put("object", "invoice").put("first_invoice", false);
        if (ok) {
            inv.put("paid_at", at);
        }
        content.set("transaction", txn);
        content.set("invoice", inv);
        return content;
    }

    // ---------------------------------------------------------------- time

    /** Applies every scheduled transition that is due, oldest first, each at its own due time. */
    synchronized int processDue() {
        long now = nowSec();
        int applied = 0;
        while (true) {
            Sub next = null;
            long nextAt = Long.MAX_VALUE;
            for (Sub s : subs.values()) {
                if (s.deleted) {
                    continue;
                }
                Long due = dueAt(s);
                if (due != null && due <= now && due < nextAt) {
                    next = s;
                    nextAt = due;
                }
            }
            if (next == null) {
                return applied;
            }
            transition(next, nextAt);
            applied++;
        }
    }

    private static Long dueAt(Sub s) {
        return switch (s.status) {
            case "future" -> s.startDate;
            case "in_trial", "non_renewing" -> s.termEnd;
            case "active" -> min(min(s.termEnd, s.dunningRetryAt), s.pauseDate);
            case "paused" -> s.resumeDate;
            default -> null;
        };
    }

    private static Long min(Long a, Long b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.min(a, b);
    }

    private void transition(Sub s, long at) {
        switch (s.status) {
            case "future" -> {
                s.startedAt = at;
                if (s.trialEnd != null && s.trialEnd > at) {
                    s.status = "in_trial";
                    s.trialStart = at;
                    s.termStart = at;
                    s.termEnd = s.trialEnd;
                    touch(s, at);
                    emit("subscription_started", at, subContent(s));
                } else {
                    s.status = "active";
                    s.activatedAt = at;
                    s.termStart = at;
                    s.termEnd = plusPeriod(at, s.plan());
                    touch(s, at);
                    emit("subscription_started", at, subContent(s));
                    charge(s, at, s.amount(), false);
                }
            }
            case "in_trial" -> {
                s.status = "active";
                s.activatedAt = at;
                s.termStart = at;
                s.termEnd = plusPeriod(at, s.plan());
                touch(s, at);
                emit("subscription_activated", at, subContent(s));
                charge(s, at, s.amount(), false);
            }
            case "non_renewing" -> cancelNow(s, at, null);
            case "paused" -> resumeAt(s, at);
            case "active" -> {
                if (s.pauseDate != null && s.pauseDate == at) {
                    s.status = "paused";
                    touch(s, at);
                    emit("subscription_paused", at, subContent(s));
                } else if (s.dunningRetryAt != null && s.dunningRetryAt == at) {
                    charge(s, at, s.totalDues, true);
                } else {
                    s.termStart = s.termEnd;
                    s.termEnd = plusPeriod(s.termStart, s.plan());
                    touch(s, at);
                    emit("subscription_renewed", at, subContent(s));
                    charge(s, at, s.amount(), false);
                }
            }
            default -> throw new IllegalStateException("no transition from " + s.status);
        }
    }

    // ---------------------------------------------------------------- hosted pages

    synchronized ObjectNode checkoutNewForItems(Map<String, String> p) {
        processDue();
        List<Item> items = parseItems(p, List.of());
        String customerId = str(p, "customer[id]");
        if (customerId != null) {
            validateCustomerId(customerId, "customer[id]");
        }
        String subId = str(p, "subscription[id]");
        if (subId != null && subs.containsKey(subId)) {
            throw ApiError.duplicate("subscription[id]", subId);
        }
        metaData(p, "subscription[meta_data]"); // validate now so paying cannot fail later
        HostedPage hp = newPage("checkout_new", p, items);
        return wrap("hosted_page", hp.toJson(publicBaseUrl));
    }

    synchronized ObjectNode checkoutExistingForItems(Map<String, String> p) {
        processDue();
        String subId = str(p, "subscription[id]");
        if (subId == null) {
            throw ApiError.invalid("subscription[id]", "subscription[id] : cannot be blank");
        }
        Sub s = liveSub(subId, "subscription[id]");
        List<Item> items = parseItems(p, bool(p, "replace_items_list", false) ? List.of() : s.items);
        HostedPage hp = newPage("checkout_existing", p, items);
        return wrap("hosted_page", hp.toJson(publicBaseUrl));
    }

    private HostedPage newPage(String type, Map<String, String> p, List<Item> items) {
        HostedPage hp = new HostedPage();
        hp.id = randomId("", 32);
        hp.type = type;
        hp.createdAt = nowSec();
        hp.updatedAt = hp.createdAt;
        hp.expiresAt = hp.createdAt + 3 * DAY;
        hp.resourceVersion = nextRv(nowMillis.getAsLong());
        hp.redirectUrl = str(p, "redirect_url");
        hp.cancelUrl = str(p, "cancel_url");
        hp.passThruContent = str(p, "pass_thru_content");
        hp.params = new LinkedHashMap<>(p);
        hp.items = items;
        pages.put(hp.id, hp);
        return hp;
    }

    synchronized ObjectNode retrieveHostedPage(String id) {
        processDue();
        HostedPage hp = page(id);
        if (hp.state.equals("created") && hp.expiresAt <= nowSec()) {
            hp.state = "expired";
        }
        return wrap("hosted_page", hp.toJson(publicBaseUrl));
    }

    synchronized ObjectNode acknowledgeHostedPage(String id) {
        HostedPage hp = page(id);
        if (!hp.state.equals("succeeded")) {
            throw ApiError.invalidState("Only a succeeded hosted page can be acknowledged.");
        }
        hp.state = "acknowledged";
        hp.updatedAt = nowSec();
        hp.resourceVersion = nextRv(nowMillis.getAsLong());
        return wrap("hosted_page", hp.toJson(publicBaseUrl));
    }

    private HostedPage page(String id) {
        HostedPage hp = pages.get(id);
        if (hp == null) {
            throw ApiError.notFound("hosted_page", id, null);
        }
        return hp;
    }

    /** Read-only view for the HTML checkout page. */
    synchronized Map<String, Object> pageView(String id) {
        HostedPage hp = page(id);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("state", hp.state);
        v.put("type", hp.type);
        v.put("cancel_url", hp.cancelUrl);
        List<String> lines = new ArrayList<>();
        long total = 0;
        for (Item it : hp.items) {
            lines.add(it.price().name() + " x " + it.quantity() + " = " + money(it.amount()) + " / "
                    + it.price().periodUnit() + (it.price().hasTrial() ? " (" + it.price().trialDays()
                    + "-day free trial)" : ""));
            total += it.amount();
        }
        v.put("lines", lines);
        v.put("total", money(total));
        v.put("customer", hp.params.getOrDefault("customer[id]", ""));
        return v;
    }

    static String money(long cents) {
        return String.format("$%d.%02d", cents / 100, cents % 100);
    }

    /**
     * What a payer pressing Pay does: creates or updates the subscription, marks the page
     * succeeded and returns the redirect target (or null when the page had no redirect_url).
     */
    synchronized String completeCheckout(String id) {
        processDue();
        HostedPage hp = page(id);
        long now = nowSec();
        if (hp.state.equals("created") && hp.expiresAt <= now) {
            hp.state = "expired";
        }
        if (!hp.state.equals("created")) {
            throw ApiError.invalidState("The hosted page is " + hp.state + " and cannot be paid again.");
        }
        Sub s = hp.type.equals("checkout_new") ? completeNew(hp, now) : completeExisting(hp, now);
        hp.state = "succeeded";
        hp.updatedAt = now;
        hp.resourceVersion = nextRv(nowMillis.getAsLong());
        hp.content = subContent(s);
        if (hp.redirectUrl == null) {
            return null;
        }
        String sep = hp.redirectUrl.contains("?") ? "&" : "?";
        return hp.redirectUrl + sep + "id=" + URLEncoder.encode(hp.id, StandardCharsets.UTF_8) + "&state=succeeded";
    }

    private Sub completeNew(HostedPage hp, long now) {
        Map<String, String> p = hp.params;
        String customerId = str(p, "customer[id]");
        Customer c = customerId == null ? null : customers.get(customerId);
        if (c == null || c.deleted) {
            c = newCustomer(customerId != null ? customerId : randomId("", 16));
            applyCustomerParams(c, p, "customer[");
            c.cardStatus = "valid";
            customers.put(c.id, c);
            emit("customer_created", now, customerContent(c));
        } else if (!c.cardStatus.equals("valid")) {
            c.cardStatus = "valid";
            touch(c, now);
            emit("payment_source_added", now, customerContent(c));
        }
        Sub s = new Sub();
        s.id = str(p, "subscription[id]") != null && !subs.containsKey(p.get("subscription[id]"))
                ? p.get("subscription[id]") : randomId("", 17);
        s.customerId = c.id;
        s.items = hp.items;
        s.createdAt = now;
        s.metaData = metaData(p, "subscription[meta_data]");
        s.poNumber = str(p, "subscription[po_number]");
        s.invoiceNotes = str(p, "subscription[invoice_notes]");
        Long startDate = longParam(p, "subscription[start_date]");
        long start = startDate != null && startDate > now ? startDate : now;
        Long trialEndParam = longParam(p, "subscription[trial_end]");
        ItemPriceDef plan = s.plan();
        Long trialEnd;
        if (trialEndParam != null) {
            trialEnd = trialEndParam > start ? trialEndParam : null; // 0 means "no trial"
        } else {
            trialEnd = plan.hasTrial() ? start + plan.trialDays() * DAY : null;
        }
        s.trialEnd = trialEnd;
        subs.put(s.id, s);
        if (start > now) {
            s.status = "future";
            s.startDate = start;
            touch(s, now);
            emit("subscription_created", now, subContent(s));
        } else if (trialEnd != null) {
            s.status = "in_trial";
            s.startedAt = now;
            s.trialStart = now;
            s.termStart = now;
            s.termEnd = trialEnd;
            touch(s, now);
            emit("subscription_created", now, subContent(s));
        } else {
            s.status = "active";
            s.startedAt = now;
            s.activatedAt = now;
            s.termStart = now;
            s.termEnd = plusPeriod(now, plan);
            touch(s, now);
            emit("subscription_created", now, subContent(s));
            // the payer just entered a card on the page: the first charge always succeeds
            emit("payment_succeeded", now, paymentContent(s, c, String.valueOf(invoiceSeq++), s.amount(), true, now));
        }
        return s;
    }

    private Sub completeExisting(HostedPage hp, long now) {
        Sub s = subs.get(hp.params.get("subscription[id]"));
        if (s == null || s.deleted) {
            throw ApiError.invalidState("The subscription of this hosted page no longer exists.");
        }
        s.items = hp.items;
        if (s.status.equals("cancelled")) {
            s.status = "active";
            s.cancelledAt = null;
            s.cancelReason = null;
            s.cancelReasonCode = null;
            s.activatedAt = now;
            s.termStart = now;
            s.termEnd = plusPeriod(now, s.plan());
            touch(s, now);
            emit("subscription_reactivated", now, subContent(s));
            emit("payment_succeeded", now, paymentContent(s, customers.get(s.customerId),
                    String.valueOf(invoiceSeq++), s.amount(), true, now));
        } else {
            touch(s, now);
            emit("subscription_changed", now, subContent(s));
        }
        return s;
    }

    // ---------------------------------------------------------------- portal sessions

    synchronized ObjectNode createPortalSession(Map<String, String> p) {
        processDue();
        String customerId = str(p, "customer[id]");
        if (customerId == null) {
            throw ApiError.invalid("customer[id]", "customer[id] : cannot be blank");
        }
        liveCustomer(customerId, "customer[id]");
        PortalSession ps = new PortalSession();
        ps.id = randomId("portal_", 16);
        ps.token = randomId("", 40);
        ps.customerId = customerId;
        ps.redirectUrl = str(p, "redirect_url");
        ps.createdAt = nowSec();
        ps.expiresAt = ps.createdAt + 3600;
        portals.put(ps.id, ps);
        return wrap("portal_session", ps.toJson(publicBaseUrl));
    }

    synchronized ObjectNode retrievePortalSession(String id) {
        PortalSession ps = portals.get(id);
        if (ps == null) {
            throw ApiError.notFound("portal_session", id, null);
        }
        return wrap("portal_session", ps.toJson(publicBaseUrl));
    }

    synchronized ObjectNode logoutPortalSession(String id) {
        PortalSession ps = portals.get(id);
        if (ps == null) {
            throw ApiError.notFound("portal_session", id, null);
        }
        ps.status = "logged_out";
        return wrap("portal_session", ps.toJson(publicBaseUrl));
    }

    /** Looks a portal session up by its access token and marks it logged in; null when unknown or closed. */
    synchronized Map<String, Object> portalView(String token) {
        processDue();
        PortalSession ps = portals.values().stream().filter(x -> x.token.equals(token)).findFirst().orElse(null);
        if (ps == null || ps.status.equals("logged_out") || ps.expiresAt <= nowSec()) {
            return null;
        }
        ps.status = "logged_in";
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("customer_id", ps.customerId);
        v.put("redirect_url", ps.redirectUrl);
        List<String[]> rows = new ArrayList<>();
        for (Sub s : subs.values()) {
            if (s.customerId.equals(ps.customerId) && !s.deleted) {
                rows.add(new String[] {s.id, s.plan().name(), s.status});
            }
        }
        v.put("subscriptions", rows);
        return v;
    }

    synchronized String customerOfPortal(String token) {
        return portals.values().stream().filter(x -> x.token.equals(token) && !x.status.equals("logged_out"))
                .map(x -> x.customerId).findFirst().orElse(null);
    }

    synchronized boolean ownsSubscription(String customerId, String subId) {
        Sub s = subs.get(subId);
        return s != null && !s.deleted && s.customerId.equals(customerId);
    }

    // ---------------------------------------------------------------- events API

    synchronized ObjectNode listEvents(Map<String, String> p) {
        processDue();
        return page(filterAndSort(events(), p, "occurred_at"), p, n -> wrap("event", n));
    }

    synchronized ObjectNode listItemPrices(Map<String, String> p) {
        return page(filterAndSort(itemPrices(), p, null), p, n -> wrap("item_price", n));
    }

    ObjectNode retrieveItemPrice(String id) {
        return wrap("item_price", price(id, null).toJson(catalogCreatedAt));
    }

    synchronized ObjectNode snapshot() {
        processDue();
        ObjectNode n = Json.object();
        ArrayNode cs = n.putArray("customers");
        customers.values().forEach(c -> cs.add(c.toJson()));
        ArrayNode ss = n.putArray("subscriptions");
        subs.values().forEach(s -> ss.add(s.toJson()));
        ArrayNode hs = n.putArray("hosted_pages");
        pages.values().forEach(h -> hs.add(h.toJson(publicBaseUrl)));
        return n;
    }

    // ---------------------------------------------------------------- list plumbing

    static ObjectNode wrap(String key, JsonNode value) {
        ObjectNode n = Json.object();
        n.set(key, value);
        return n;
    }

    private static final Pattern FILTER = Pattern.compile(
            "([a-z_]+)\\[(is|is_not|in|not_in|starts_with|after|before|on|between|is_present)]");

    /** Applies Chargebee list filters ({@code field[op]=value}) and {@code sort_by[asc|desc]}. */
    static List<ObjectNode> filterAndSort(List<ObjectNode> all, Map<String, String> p, String defaultSort) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode n : all) {
            if (matches(n, p)) {
                out.add(n);
            }
        }
        String asc = str(p, "sort_by[asc]");
        String desc = str(p, "sort_by[desc]");
        if (asc != null) {
            out.sort(Comparator.comparingLong(n -> n.path(asc).asLong()));
        } else if (desc != null || defaultSort != null) {
            // newest first by default; the stable sort keeps insertion order among equal timestamps, reversed
            String field = desc != null ? desc : defaultSort;
            java.util.Collections.reverse(out);
            out.sort(Comparator.comparingLong((ObjectNode n) -> n.path(field).asLong()).reversed());
        }
        return out;
    }

    private static boolean matches(ObjectNode n, Map<String, String> p) {
        for (Map.Entry<String, String> e : p.entrySet()) {
            Matcher m = FILTER.matcher(e.getKey());
            if (!m.matches() || e.getValue().isEmpty()) {
                continue;
            }
            JsonNode field = n.get(m.group(1));
            String op = m.group(2);
            String v = e.getValue();
            if (op.equals("is_present")) {
                boolean present = field != null && !field.isNull();
                if (present != Boolean.parseBoolean(v)) {
                    return false;
                }
                continue;
            }
            if (field == null || field.isNull()) {
                return false;
            }
            String actual = field.asText();
            boolean ok = switch (op) {
                case "is" -> actual.equals(v);
                case "is_not" -> !actual.equals(v);
                case "in" -> parseList(v).contains(actual);
                case "not_in" -> !parseList(v).contains(actual);
                case "starts_with" -> actual.startsWith(v);
                case "after" -> field.asLong() > Long.parseLong(v);
                case "before" -> field.asLong() < Long.parseLong(v);
                case "on" -> field.asLong() == Long.parseLong(v);
                case "between" -> {
                    List<String> b = parseList(v);
                    yield b.size() == 2 && field.asLong() >= Long.parseLong(b.get(0))
                            && field.asLong() <= Long.parseLong(b.get(1));
                }
                default -> true;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Accepts a JSON array ({@code ["a","b"]}, what the SDK's filters send) or a bare {@code [a, b]}. */
    static List<String> parseList(String v) {
        String s = v.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        List<String> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String t = part.trim();
            if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
                t = t.substring(1, t.length() - 1);
            }
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    /** Pages with {@code limit} (1..100, default 10) and an opaque string {@code offset}. */
    static ObjectNode page(List<ObjectNode> all, Map<String, String> p, java.util.function.Function<ObjectNode,
            ObjectNode> entry) {
        Integer limit = integer(p, "limit");
        if (limit == null) {
            limit = 10;
        }
        if (limit < 1 || limit > 100) {
            throw ApiError.invalid("limit", "limit : must be between 1 and 100");
        }
        int start = 0;
        String offset = str(p, "offset");
        if (offset != null) {
            List<String> parts = parseList(offset);
            try {
                start = Integer.parseInt(parts.get(parts.size() - 1));
            } catch (RuntimeException e) {
                throw ApiError.invalid("offset", "offset : invalid value " + offset);
            }
        }
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("list");
        int end = Math.min(all.size(), start + limit);
        for (int i = start; i < end; i++) {
            list.add(entry.apply(all.get(i)));
        }
        if (end < all.size()) {
            // shaped like the real offsets (a JSON array as a string); only its last element matters here
            out.put("next_offset", "[\"" + end + "\"]");
        }
        return out;
    }
}

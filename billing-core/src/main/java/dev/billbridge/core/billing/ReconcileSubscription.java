package dev.billbridge.core.billing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import com.chargebee.org.json.JSONArray;
import com.chargebee.org.json.JSONException;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.domain.SubscriptionItem;
import dev.billbridge.core.domain.SubscriptionStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.hibernate.Session;
import org.jboss.logging.Logger;

/**
 * The cookbook's "apply snapshot" rule, shared by the sync-worker (Chargebee events) and billing-api
 * (eager sync after checkout): writes one Chargebee subscription snapshot into the local cache.
 *
 * <p>Ordering: a snapshot is applied only when its {@code resource_version} is newer than the stored
 * one, so duplicates and late events (a late {@code subscription_changed} after the cancellation)
 * change nothing. The caller owns the transaction; this class never commits.
 *
 * <p>Local row lookup, in order: 1. {@code chargebee_subscription_id}; 2. the subscription's
 * {@code meta_data.subscriptionId} (our row id); 3. the customer's {@code meta_data.pendingSubscriptionId};
 * 4. the reference's pending {@code future} row (not yet bound to a Chargebee id). Otherwise a row is
 * created.
 *
 * <p>Reference id (organization): the customer's {@code meta_data.organizationId}, else the
 * subscription's {@code meta_data.organizationId}, else the organization whose
 * {@code chargebee_customer_id} is the subscription's customer. Only needed for lookup 4 and for a new row.
 *
 * <p>One live subscription per reference (partial unique index): when a snapshot makes its row live
 * while another row of the reference is live, the snapshot with the newer {@code resource_version}
 * keeps the live slot and the other row is parked as {@code cancelled} (its own later events still
 * apply, since its stored {@code resource_version} is left alone); a pending row without a Chargebee
 * id always yields.
 */
@ApplicationScoped
public class ReconcileSubscription {

    private static final Logger LOG = Logger.getLogger(ReconcileSubscription.class);

    public static final String META_ORGANIZATION_ID = "organizationId";
    public static final String META_SUBSCRIPTION_ID = "subscriptionId";
    public static final String META_PENDING_SUBSCRIPTION_ID = "pendingSubscriptionId";
    /** Set in a parked row's metadata: the Chargebee subscription that took its live slot. */
    public static final String META_DISPLACED_BY = "displacedBy";

    /** How the local row was found. */
    public enum Lookup {
        CHARGEBEE_ID, SUBSCRIPTION_META, CUSTOMER_PENDING, FUTURE_ROW, CREATED
    }

    /**
     * What happened. Callers publish lifecycle records only when {@link #applied()} and a transition
     * flag is set: a duplicate or stale snapshot reports {@code applied=false} and no transition.
     *
     * @param subscriptionId  the local row id
     * @param referenceId     the organization id of the row
     * @param previousStatus  before this snapshot (null for a created row)
     * @param newStatus       after it (equals previousStatus when stale)
     * @param applied         false when the snapshot was not newer than the stored one
     * @param statusChanged   applied and the status differs from before
     * @param planChanged     applied to an existing row and its plan item price or seats changed
     * @param trialStarted    applied and the row entered {@code in_trial}
     * @param trialEnded      applied and the row left {@code in_trial}
     * @param lookup          which lookup path found the row
     * @param resourceVersion the snapshot's resource_version
     */
    public record Outcome(UUID subscriptionId, String referenceId, SubscriptionStatus previousStatus,
                          SubscriptionStatus newStatus, boolean applied, boolean statusChanged, boolean planChanged,
                          boolean trialStarted, boolean trialEnded, Lookup lookup, long resourceVersion,
                          String chargebeeSubscriptionId) {

        /** Entered a granting status (in_trial/active/non_renewing) from a non-granting one. */
        public boolean activated() {
            return statusChanged && SubscriptionStatus.ENTITLED.contains(newStatus)
                    && (previousStatus == null || !SubscriptionStatus.ENTITLED.contains(previousStatus));
        }

        /** Entered cancelled (or transferred) from any other status. */
        public boolean cancelled() {
            return statusChanged && !newStatus.isLive() && (previousStatus == null || previousStatus.isLive());
        }
    }

    /** A snapshot the rule cannot apply (missing id, status or resource_version; unknown reference). */
    public static class InvalidSnapshot extends RuntimeException {
        public InvalidSnapshot(String message) {
            super(message);
        }
    }

    /** Applies one snapshot inside the caller's transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Outcome apply(JSONObject subscription, JSONObject customer) {
        return apply(subscription, customer, new Batch());
    }

    /**
     * Same as {@link #apply(JSONObject, JSONObject)}, for callers that apply many snapshots in one
     * transaction: {@code known} maps Chargebee subscription ids to rows the caller already loaded
     * (saving one query per snapshot); an id mapped to {@code null} is known to have no row yet. Rows
     * this call binds or creates are added to it, so later snapshots of the same transaction find them
     * even when the session does not flush before queries.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Outcome apply(JSONObject subscription, JSONObject customer, Map<String, Subscription> known) {
        return apply(subscription, customer, new Batch(known));
    }

    /**
     * Same rule, for a transaction that applies many snapshots through one {@link Batch} (usually
     * filled by {@link #preload} first): lookups are answered from it, and it is kept current with
     * what this call binds, creates or makes live, so the session need not flush between snapshots.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Outcome apply(JSONObject subscription, JSONObject customer, Batch batch) {
        Snapshot s = Snapshot.parse(subscription, customer);
        Map<String, Subscription> known = batch.byChargebeeId;

        Lookup lookup;
        LiveRows liveOfReference = null;
        Subscription row = known.get(s.chargebeeId);
        if (row != null) {
            lookup = Lookup.CHARGEBEE_ID;
        } else if (!known.containsKey(s.chargebeeId)
                && (row = Subscription.byChargebeeId(s.chargebeeId).orElse(null)) != null) {
            lookup = Lookup.CHARGEBEE_ID;
        } else if ((row = unbound(s.subscriptionMetaId, batch)) != null) {
            lookup = Lookup.SUBSCRIPTION_META;
        } else if ((row = unbound(s.pendingMetaId, batch)) != null) {
            lookup = Lookup.CUSTOMER_PENDING;
        } else if ((row = futureRowOf(liveOfReference = batch.liveRows(resolveReference(s, batch)))) != null) {
            lookup = Lookup.FUTURE_ROW;
        } else {
            lookup = Lookup.CREATED;
        }
        known.remove(s.chargebeeId);

        if (row != null && row.resourceVersion != null && s.resourceVersion <= row.resourceVersion) {
            SubscriptionStatus st = row.statusEnum();
            if (row.chargebeeSubscriptionId != null) {
                known.put(row.chargebeeSubscriptionId, row);
            }
            return new Outcome(row.id, row.referenceId, st, st, false, false, false, false, false, lookup,
                    s.resourceVersion, s.chargebeeId);
        }

        boolean created = row == null;
        SubscriptionStatus previous = created ? null : row.statusEnum();
        String previousPrice = created ? null : row.itemPriceId;
        Integer previousSeats = created ? null : row.seats;
        if (created) {
            row = new Subscription();
            row.id = UUID.randomUUID();
            row.referenceId = resolveReference(s, batch);
        }

        SubscriptionStatus next = s.status;
        if (next.isLive() && (previous == null || !previous.isLive())) {
            if (liveOfReference == null || !row.referenceId.equals(liveOfReference.referenceId())) {
                liveOfReference = batch.liveRows(row.referenceId);
            }
            next = claimLiveSlot(row, s, next, liveOfReference);
            if (next.isLive() && !liveOfReference.rows().contains(row)) {
                // it is live in memory from now on: later snapshots of the batch must see it
                liveOfReference.rows().add(row);
            }
        }

        row.chargebeeSubscriptionId = s.chargebeeId;
        row.chargebeeCustomerId = s.customerId;
        row.status = next.wire();
        row.itemPriceId = s.planItemPriceId;
        row.seats = s.planQuantity;
        row.periodStart = s.termStart;
        row.periodEnd = s.termEnd;
        row.trialStart = s.trialStart;
        row.trialEnd = s.trialEnd;
        row.canceledAt = s.cancelledAt;
        row.resourceVersion = s.resourceVersion;
        row.metadata = mergeMetadata(row.metadata, s.metaData, next == s.status ? null : "");
        syncItems(row, s.items);
        if (created) {
            row.persist();
            batch.created.add(row);
        } else if (!batch.created.contains(row)) {
            batch.updated.add(row);
        }
        known.put(s.chargebeeId, row);

        boolean statusChanged = previous != next;
        boolean planChanged = !created && (!Objects.equals(previousPrice, row.itemPriceId)
                || !Objects.equals(previousSeats, row.seats));
        boolean trialStarted = next == SubscriptionStatus.IN_TRIAL && previous != SubscriptionStatus.IN_TRIAL;
        boolean trialEnded = previous == SubscriptionStatus.IN_TRIAL && next != SubscriptionStatus.IN_TRIAL;
        return new Outcome(row.id, row.referenceId, previous, next, true, statusChanged, planChanged, trialStarted,
                trialEnded, lookup, s.resourceVersion, s.chargebeeId);
    }

    /** One snapshot to {@link #preload}: a Chargebee subscription and (if the event carries it) its customer. */
    public record Input(JSONObject subscription, JSONObject customer) {
    }

    /**
     * Fills {@code batch} with every row the snapshots can touch, in at most four queries whatever
     * their number: the rows of their Chargebee ids, the rows their meta_data names (lookups 2 and 3),
     * the organizations of customers without a meta_data reference, and the live rows of the
     * references of subscriptions that have no row yet (lookup 4 and the live-slot check). Rows come
     * with their items. Only a cache: {@link #apply(JSONObject, JSONObject, Batch)} still queries what
     * is missing, and a snapshot the rule rejects is left for apply to reject.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void preload(Batch batch, List<Input> inputs) {
        List<Snapshot> snapshots = new ArrayList<>(inputs.size());
        for (Input in : inputs) {
            try {
                snapshots.add(Snapshot.parse(in.subscription(), in.customer()));
            } catch (InvalidSnapshot e) {
                // apply rejects it in its turn
            }
        }
        Set<String> chargebeeIds = new HashSet<>();
        snapshots.forEach(s -> {
            if (!batch.byChargebeeId.containsKey(s.chargebeeId)) {
                chargebeeIds.add(s.chargebeeId);
            }
        });
        if (!chargebeeIds.isEmpty()) {
            chargebeeIds.forEach(id -> batch.byChargebeeId.put(id, null)); // no row unless the query finds one
            for (Subscription r : rowsWithItems("s.chargebeeSubscriptionId in :keys", chargebeeIds)) {
                batch.byChargebeeId.put(r.chargebeeSubscriptionId, r);
            }
        }

        List<Snapshot> unbound = snapshots.stream().filter(s -> batch.byChargebeeId.get(s.chargebeeId) == null).toList();
        Set<UUID> metaIds = new HashSet<>();
        for (Snapshot s : unbound) {
            for (UUID id : new UUID[] {s.subscriptionMetaId, s.pendingMetaId}) {
                if (id != null && !batch.byId.containsKey(id)) {
                    metaIds.add(id);
                }
            }
        }
        if (!metaIds.isEmpty()) {
            metaIds.forEach(id -> batch.byId.put(id, null));
            rowsWithItems("s.id in :keys", metaIds).forEach(r -> batch.byId.put(r.id, r));
        }

        // the subscriptions that need their reference's live rows: no row of their own yet, or a row
        // that this snapshot makes live again
        List<Snapshot> needLive = new ArrayList<>();
        Set<String> references = new HashSet<>();
        for (Snapshot s : snapshots) {
            Subscription row = batch.byChargebeeId.get(s.chargebeeId);
            if (row == null) {
                row = unboundCached(s.subscriptionMetaId, batch);
            }
            if (row == null) {
                row = unboundCached(s.pendingMetaId, batch);
            }
            if (row == null) {
                needLive.add(s);
            } else if (s.status.isLive() && !row.statusEnum().isLive()) {
                references.add(row.referenceId);
            }
        }
        Set<String> customers = new HashSet<>();
        for (Snapshot s : needLive) {
            if (s.customerOrganizationId == null && s.subscriptionOrganizationId == null && s.customerId != null
                    && !batch.referenceByCustomer.containsKey(s.customerId)) {
                customers.add(s.customerId);
            }
        }
        if (!customers.isEmpty()) {
            customers.forEach(c -> batch.referenceByCustomer.put(c, null));
            Subscription.getEntityManager()
                    .createQuery("select o.chargebeeCustomerId, o.id from Organization o"
                            + " where o.chargebeeCustomerId in :keys", Object[].class)
                    .setParameter("keys", customers).getResultList()
                    .forEach(r -> batch.referenceByCustomer.put((String) r[0], (String) r[1]));
        }
        for (Snapshot s : needLive) {
            String ref = s.customerOrganizationId != null ? s.customerOrganizationId
                    : s.subscriptionOrganizationId != null ? s.subscriptionOrganizationId
                    : s.customerId == null ? null : batch.referenceByCustomer.get(s.customerId);
            if (ref != null) {
                references.add(ref);
            }
        }
        references.removeAll(batch.liveByReference.keySet());
        if (!references.isEmpty()) {
            references.forEach(ref -> batch.liveByReference.put(ref, new ArrayList<>()));
            for (Subscription r : rowsWithItems("s.referenceId in :keys and s.status in :live", references)) {
                batch.liveByReference.get(r.referenceId).add(r);
            }
        }
    }

    /**
     * Writes the subscription rows the batch's snapshots changed in one statement, whatever their
     * number, and marks them read-only in the session so its flush does not write them again
     * (Hibernate's own flush sends one UPDATE per row, about a thousand per sync-worker poll). Their items (which change far less often) and the rows the batch created are
     * still written by the session at commit, after this update: a row parked here leaves the
     * one-live-per-reference index before a new live row enters it. Call once, after the last
     * {@code apply} of the batch and inside its transaction; the batch is not used afterwards.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void write(Batch batch) {
        List<Subscription> rows = new ArrayList<>(batch.updated);
        if (rows.isEmpty()) {
            return;
        }
        Session session = Subscription.getEntityManager().unwrap(Session.class);
        session.doWork(c -> updateRows(c, rows));
        // read-only: no dirty check and no UPDATE of its columns; its items collection is still flushed
        rows.forEach(r -> session.setReadOnly(r, true));
    }

    private static void updateRows(Connection c, List<Subscription> rows) throws SQLException {
        int n = rows.size();
        UUID[] id = new UUID[n];
        String[] reference = new String[n];
        String[] customer = new String[n];
        String[] chargebeeId = new String[n];
        String[] status = new String[n];
        String[] price = new String[n];
        Integer[] seats = new Integer[n];
        String[] periodStart = new String[n];
        String[] periodEnd = new String[n];
        String[] trialStart = new String[n];
        String[] trialEnd = new String[n];
        String[] canceledAt = new String[n];
        Long[] version = new Long[n];
        String[] metadata = new String[n];
        for (int i = 0; i < n; i++) {
            Subscription r = rows.get(i);
            id[i] = r.id;
            reference[i] = r.referenceId;
            customer[i] = r.chargebeeCustomerId;
            chargebeeId[i] = r.chargebeeSubscriptionId;
            status[i] = r.status;
            price[i] = r.itemPriceId;
            seats[i] = r.seats;
            periodStart[i] = text(r.periodStart);
            periodEnd[i] = text(r.periodEnd);
            trialStart[i] = text(r.trialStart);
            trialEnd[i] = text(r.trialEnd);
            canceledAt[i] = text(r.canceledAt);
            version[i] = r.resourceVersion;
            metadata[i] = r.metadata;
        }
        try (PreparedStatement ps = c.prepareStatement("update subscription s set reference_id = u.reference_id,"
                + " chargebee_customer_id = u.customer_id, chargebee_subscription_id = u.chargebee_id,"
                + " status = u.status, item_price_id = u.price, seats = u.seats,"
                + " period_start = u.period_start::timestamptz, period_end = u.period_end::timestamptz,"
                + " trial_start = u.trial_start::timestamptz, trial_end = u.trial_end::timestamptz,"
                + " canceled_at = u.canceled_at::timestamptz, resource_version = u.version,"
                + " metadata = u.metadata::jsonb, updated_at = now()"
                + " from unnest(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) as u(id, reference_id, customer_id,"
                + " chargebee_id, status, price, seats, period_start, period_end, trial_start, trial_end,"
                + " canceled_at, version, metadata) where s.id = u.id")) {
            Object[][] columns = {id, reference, customer, chargebeeId, status, price, seats, periodStart, periodEnd,
                    trialStart, trialEnd, canceledAt, version, metadata};
            String[] types = {"uuid", "text", "text", "text", "text", "text", "int4", "text", "text", "text", "text",
                    "text", "int8", "text"};
            for (int i = 0; i < columns.length; i++) {
                ps.setArray(i + 1, c.createArrayOf(types[i], columns[i]));
            }
            int written = ps.executeUpdate();
            if (written != n) {
                // a row deleted under us: let the caller's fallback apply the events one by one
                throw new IllegalStateException("updated " + written + " of " + n + " subscription rows");
            }
        }
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }

    private static List<Subscription> rowsWithItems(String where, Set<?> keys) {
        var q = Subscription.getEntityManager()
                .createQuery("select distinct s from Subscription s left join fetch s.items where " + where,
                        Subscription.class)
                .setParameter("keys", keys);
        if (where.contains(":live")) {
            q.setParameter("live", SubscriptionStatus.liveWire());
        }
        return q.getResultList();
    }

    private static Subscription unboundCached(UUID id, Batch batch) {
        Subscription row = id == null ? null : batch.byId.get(id);
        return row != null && row.chargebeeSubscriptionId == null ? row : null;
    }

    /**
     * What one transaction knows about the rows its snapshots touch, so a batch of snapshots costs a
     * few queries rather than several per snapshot. A key present with a {@code null} value is known
     * to have no row. The rule keeps it current (rows it binds, creates or makes live), which is what
     * lets a batch run with the session's flush mode at COMMIT. Not thread-safe; one per transaction.
     */
    public static final class Batch {
        final Map<String, Subscription> byChargebeeId;
        final Map<UUID, Subscription> byId = new HashMap<>();
        /** The rows of a reference that are live in this transaction's view (check {@code status} in memory). */
        final Map<String, List<Subscription>> liveByReference = new HashMap<>();
        final Map<String, String> referenceByCustomer = new HashMap<>();
        /** Rows this transaction inserts (Hibernate writes them at flush). */
        final Set<Subscription> created = Collections.newSetFromMap(new IdentityHashMap<>());
        /** Rows that existed before and that a snapshot changed: {@link #write} writes them. */
        final Set<Subscription> updated = Collections.newSetFromMap(new IdentityHashMap<>());

        public Batch() {
            this(new HashMap<>());
        }

        Batch(Map<String, Subscription> byChargebeeId) {
            this.byChargebeeId = byChargebeeId;
        }

        /** The row of a Chargebee subscription as this transaction sees it, if loaded. */
        public Subscription row(String chargebeeSubscriptionId) {
            return byChargebeeId.get(chargebeeSubscriptionId);
        }

        /** The caller cleared a customer's organization mapping in this transaction. */
        public void customerUnmapped(String customerId) {
            referenceByCustomer.remove(customerId);
        }

        LiveRows liveRows(String referenceId) {
            List<Subscription> rows = liveByReference.get(referenceId);
            if (rows == null) {
                rows = new ArrayList<>(Subscription.<Subscription>list("referenceId = ?1 and status in ?2", referenceId,
                        SubscriptionStatus.liveWire()));
                liveByReference.put(referenceId, rows);
            }
            return new LiveRows(referenceId, rows);
        }
    }

    /** Row by local id, only while no other Chargebee subscription owns it. */
    private static Subscription unbound(UUID id, Batch batch) {
        if (id == null) {
            return null;
        }
        Subscription row;
        if (batch.byId.containsKey(id)) {
            row = batch.byId.get(id);
        } else {
            row = Subscription.findById(id);
            batch.byId.put(id, row);
        }
        return row != null && row.chargebeeSubscriptionId == null ? row : null;
    }

    /** The live rows of one reference: one list serves the future-row lookup and the live-slot check. */
    private record LiveRows(String referenceId, List<Subscription> rows) {
    }

    private static Subscription futureRowOf(LiveRows live) {
        // the query may return managed rows this transaction already bound: trust their in-memory state
        return live.rows().stream().filter(r -> r.chargebeeSubscriptionId == null
                && SubscriptionStatus.FUTURE.wire().equals(r.status)).findFirst().orElse(null);
    }

    /**
     * Makes room for {@code row} to become live. Returns the status to store: the snapshot's, or
     * {@code cancelled} when another live subscription of the reference is newer.
     */
    private SubscriptionStatus claimLiveSlot(Subscription row, Snapshot s, SubscriptionStatus wanted,
                                             LiveRows live) {
        boolean parkedOne = false;
        for (Subscription other : live.rows()) {
            if (other == row || other.id.equals(row.id) || !other.statusEnum().isLive()) {
                continue;
            }
            boolean otherIsPending = other.chargebeeSubscriptionId == null;
            boolean otherNewer = !otherIsPending && other.resourceVersion != null
                    && other.resourceVersion > s.resourceVersion;
            if (otherNewer) {
                LOG.warnf("subscription %s (reference %s) is live in Chargebee but newer subscription %s holds the"
                        + " live slot; stored as cancelled", s.chargebeeId, row.referenceId, other.chargebeeSubscriptionId);
                return SubscriptionStatus.CANCELLED;
            }
            LOG.warnf("subscription %s (reference %s) takes the live slot from %s; that row is parked as cancelled",
                    s.chargebeeId, row.referenceId, otherIsPending ? "pending row " + other.id : other.chargebeeSubscriptionId);
            other.status = SubscriptionStatus.CANCELLED.wire();
            other.metadata = mergeMetadata(other.metadata, null, s.chargebeeId);
            parkedOne = true;
        }
        if (parkedOne) {
            // Hibernate flushes inserts before updates: the parked row must leave the index first
            Subscription.getEntityManager().flush();
        }
        return wanted;
    }

    private static String resolveReference(Snapshot s, Batch batch) {
        if (s.customerOrganizationId != null) {
            return s.customerOrganizationId;
        }
        if (s.subscriptionOrganizationId != null) {
            return s.subscriptionOrganizationId;
        }
        String org = null;
        if (s.customerId != null) {
            if (batch.referenceByCustomer.containsKey(s.customerId)) {
                org = batch.referenceByCustomer.get(s.customerId);
            } else {
                org = Organization.byCustomerId(s.customerId).map(o -> o.id).orElse(null);
                batch.referenceByCustomer.put(s.customerId, org);
            }
        }
        if (org == null) {
            throw new InvalidSnapshot("no organization for Chargebee customer " + s.customerId + " of subscription "
                    + s.chargebeeId + " (neither meta_data.organizationId nor a local mapping)");
        }
        return org;
    }

    /**
     * Replaces the row's items with the snapshot's, updating in place so no key is deleted and
     * re-inserted.
     */
    private static void syncItems(Subscription row, List<Item> items) {
        Map<String, Item> wanted = new HashMap<>();
        items.forEach(i -> wanted.put(i.itemPriceId, i));
        row.items.removeIf(existing -> !wanted.containsKey(existing.itemPriceId));
        for (SubscriptionItem existing : row.items) {
            Item i = wanted.remove(existing.itemPriceId);
            copy(i, existing);
        }
        for (Item i : items) {
            if (wanted.containsKey(i.itemPriceId)) {
                SubscriptionItem n = new SubscriptionItem();
                n.subscription = row;
                n.itemPriceId = i.itemPriceId;
                copy(i, n);
                row.items.add(n);
            }
        }
    }

    private static void copy(Item from, SubscriptionItem to) {
        if (!Objects.equals(to.itemType, from.itemType)) {
            to.itemType = from.itemType;
        }
        if (!Objects.equals(to.quantity, from.quantity)) {
            to.quantity = from.quantity;
        }
        if (!Objects.equals(to.unitPrice, from.unitPrice)) {
            to.unitPrice = from.unitPrice;
        }
        if (!Objects.equals(to.amount, from.amount)) {
            to.amount = from.amount;
        }
    }

    /**
     * Chargebee's meta_data laid over what the row already holds (billing-api's own keys survive).
     * {@code displacedBy}: non-empty sets {@link #META_DISPLACED_BY}, "" leaves it, null removes it.
     */
    private static String mergeMetadata(String stored, JSONObject chargebeeMeta, String displacedBy) {
        JSONObject out = new JSONObject();
        if (stored != null && !stored.isBlank()) {
            try {
                out = new JSONObject(stored);
            } catch (JSONException e) {
                out = new JSONObject();
            }
        }
        if (chargebeeMeta != null) {
            for (String k : chargebeeMeta.keySet()) {
                out.put(k, chargebeeMeta.get(k));
            }
        }
        if (displacedBy == null) {
            out.remove(META_DISPLACED_BY);
        } else if (!displacedBy.isEmpty()) {
            out.put(META_DISPLACED_BY, displacedBy);
        }
        if (out.length() == 0) {
            return stored == null || stored.isBlank() ? stored : null;
        }
        // keep the stored text when equal, so Hibernate sees no change and writes nothing
        return stored != null && sameJson(stored, out) ? stored : out.toString();
    }

    private static boolean sameJson(String stored, JSONObject value) {
        try {
            return new JSONObject(stored).similar(value);
        } catch (JSONException e) {
            return false;
        }
    }

    record Item(String itemPriceId, String itemType, Integer quantity, Long unitPrice, Long amount) {
    }

    /** The fields of a Chargebee subscription (and its customer) the rule reads. */
    record Snapshot(String chargebeeId, String customerId, SubscriptionStatus status, long resourceVersion,
                    Instant termStart, Instant termEnd, Instant trialStart, Instant trialEnd, Instant cancelledAt,
                    String planItemPriceId, Integer planQuantity, List<Item> items, JSONObject metaData,
                    UUID subscriptionMetaId, UUID pendingMetaId, String customerOrganizationId,
                    String subscriptionOrganizationId) {

        static Snapshot parse(JSONObject sub, JSONObject customer) {
            if (sub == null) {
                throw new InvalidSnapshot("subscription is missing");
            }
            String id = text(sub, "id");
            if (id == null) {
                throw new InvalidSnapshot("subscription.id is missing");
            }
            String statusText = text(sub, "status");
            SubscriptionStatus status;
            try {
                status = SubscriptionStatus.fromWire(statusText);
            } catch (IllegalArgumentException e) {
                throw new InvalidSnapshot("subscription " + id + " has an unknown status " + statusText);
            }
            if (!sub.has("resource_version") || sub.isNull("resource_version")) {
                throw new InvalidSnapshot("subscription " + id + " has no resource_version");
            }
            long rv;
            try {
                rv = sub.getLong("resource_version");
            } catch (JSONException e) {
                throw new InvalidSnapshot("subscription " + id + " has a non-numeric resource_version");
            }
            // a deleted subscription grants nothing and will send no more events
            if (sub.optBoolean("deleted", false) && status.isLive()) {
                status = SubscriptionStatus.CANCELLED;
            }
            List<Item> items = new ArrayList<>();
            String planPrice = null;
            Integer planQty = null;
            JSONArray arr = sub.optJSONArray("subscription_items");
            if (arr != null) {
                for (int i = 0; i < arr.length(); i++) {
                    JSONObject it = arr.optJSONObject(i);
                    if (it == null || text(it, "item_price_id") == null) {
                        continue;
                    }
                    Item item = new Item(text(it, "item_price_id"), text(it, "item_type"), integer(it, "quantity"),
                            number(it, "unit_price"), number(it, "amount"));
                    items.add(item);
                    if ("plan".equals(item.itemType) && planPrice == null) {
                        planPrice = item.itemPriceId;
                        planQty = item.quantity;
                    }
                }
            }
            JSONObject subMeta = meta(sub);
            JSONObject custMeta = customer == null ? null : meta(customer);
            String customerId = text(sub, "customer_id");
            if (customerId == null && customer != null) {
                customerId = text(customer, "id");
            }
            return new Snapshot(id, customerId, status, rv, time(sub, "current_term_start"),
                    time(sub, "current_term_end"), time(sub, "trial_start"), time(sub, "trial_end"),
                    time(sub, "cancelled_at"), planPrice, planQty, items, subMeta,
                    uuid(subMeta, META_SUBSCRIPTION_ID), uuid(custMeta, META_PENDING_SUBSCRIPTION_ID),
                    custMeta == null ? null : text(custMeta, META_ORGANIZATION_ID),
                    subMeta == null ? null : text(subMeta, META_ORGANIZATION_ID));
        }

        /** Chargebee sends meta_data as an object; an API caller may have stored it as a JSON string. */
        private static JSONObject meta(JSONObject o) {
            Object m = o.opt("meta_data");
            if (m instanceof JSONObject j) {
                return j;
            }
            if (m instanceof String str && !str.isBlank()) {
                try {
                    return new JSONObject(str);
                } catch (JSONException e) {
                    return null;
                }
            }
            return null;
        }

        private static String text(JSONObject o, String key) {
            if (o == null || !o.has(key) || o.isNull(key)) {
                return null;
            }
            String v = String.valueOf(o.get(key)).trim();
            return v.isEmpty() ? null : v;
        }

        private static UUID uuid(JSONObject o, String key) {
            String v = text(o, key);
            if (v == null) {
                return null;
            }
            try {
                return UUID.fromString(v);
            } catch (IllegalArgumentException e) {
                return null; // not one of our ids: nothing to look up
            }
        }

        private static Instant time(JSONObject o, String key) {
            Long v = number(o, key);
            return v == null ? null : Instant.ofEpochSecond(v);
        }

        private static Long number(JSONObject o, String key) {
            if (!o.has(key) || o.isNull(key)) {
                return null;
            }
            try {
                return o.getLong(key);
            } catch (JSONException e) {
                throw new InvalidSnapshot(key + " is not a number");
            }
        }

        private static Integer integer(JSONObject o, String key) {
            Long v = number(o, key);
            return v == null ? null : Math.toIntExact(v);
        }
    }
}

package dev.billbridge.api.billing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.billbridge.api.config.BillingApiConfig;
import dev.billbridge.core.domain.Plan;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * The sellable plans. Configuration is the source ({@code BILLING_PLANS} plus
 * {@code CHARGEBEE_PLAN_ITEM_PRICE_ID}); at start-up it is upserted into the {@code plan} table, which
 * every request reads. Upserts are idempotent and race-free, so several instances may start at once.
 */
@ApplicationScoped
public class PlanCatalog {

    private static final Logger LOG = Logger.getLogger(PlanCatalog.class);

    /** One configured plan. */
    public record PlanSeed(String itemPriceId, String name, Integer trialDays, ObjectNode limits) {
    }

    @Inject
    BillingApiConfig config;
    @Inject
    ObjectMapper json;
    @Inject
    EntityManager em;

    @Transactional
    void seed(@Observes StartupEvent ev) {
        List<PlanSeed> seeds = parse(config.plans(), config.defaultPlanItemPriceId().orElse(null), json);
        for (PlanSeed p : seeds) {
            em.createNativeQuery("""
                    insert into plan (item_price_id, name, limits, trial_days, active)
                    values (?1, ?2, cast(?3 as jsonb), ?4, true)
                    on conflict (item_price_id) do update
                    set name = excluded.name, limits = excluded.limits, trial_days = excluded.trial_days, active = true
                    """).setParameter(1, p.itemPriceId()).setParameter(2, p.name())
                    .setParameter(3, p.limits().toString()).setParameter(4, p.trialDays()).executeUpdate();
        }
        if (!seeds.isEmpty()) {
            // a plan dropped from the configuration stops being sold; its subscriptions still resolve its name
            int retired = em.createNativeQuery("update plan set active = false where active and item_price_id not in (?1)")
                    .setParameter(1, seeds.stream().map(PlanSeed::itemPriceId).toList()).executeUpdate();
            LOG.infof("plan catalog: %d plan(s) configured, %d retired", seeds.size(), retired);
        } else {
            LOG.warn("plan catalog: BILLING_PLANS and CHARGEBEE_PLAN_ITEM_PRICE_ID are empty; /api/plans serves the table as is");
        }
    }

    /** Parses the plans setting; the default plan is added when it is not listed. */
    public static List<PlanSeed> parse(String plansJson, String defaultPlan, ObjectMapper json) {
        Map<String, PlanSeed> out = new LinkedHashMap<>();
        JsonNode root;
        try {
            root = plansJson == null || plansJson.isBlank() ? json.createArrayNode() : json.readTree(plansJson);
        } catch (Exception e) {
            throw new IllegalArgumentException("BILLING_PLANS is not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isArray()) {
            throw new IllegalArgumentException("BILLING_PLANS must be a JSON array of plans");
        }
        for (JsonNode n : root) {
            String id = n.path("itemPriceId").asText("").trim();
            if (id.isEmpty()) {
                throw new IllegalArgumentException("BILLING_PLANS: every plan needs an itemPriceId");
            }
            String name = n.path("name").asText(id);
            Integer trial = n.hasNonNull("trialDays") ? n.get("trialDays").asInt() : null;
            if (trial != null && trial < 0) {
                throw new IllegalArgumentException("BILLING_PLANS: trialDays of " + id + " is negative");
            }
            JsonNode limits = n.path("limits");
            if (!limits.isMissingNode() && !limits.isNull() && !limits.isObject()) {
                throw new IllegalArgumentException("BILLING_PLANS: limits of " + id + " must be an object");
            }
            out.put(id, new PlanSeed(id, name, trial, limits.isObject() ? (ObjectNode) limits : json.createObjectNode()));
        }
        if (defaultPlan != null && !defaultPlan.isBlank() && !out.containsKey(defaultPlan.trim())) {
            String id = defaultPlan.trim();
            out.put(id, new PlanSeed(id, id, null, json.createObjectNode()));
        }
        return new ArrayList<>(out.values());
    }

    public List<Plan> active() {
        return Plan.list("active = true order by itemPriceId");
    }

    public Optional<Plan> find(String itemPriceId) {
        return itemPriceId == null ? Optional.empty() : Plan.findByIdOptional(itemPriceId);
    }

    public Optional<String> defaultPlanId() {
        return config.defaultPlanItemPriceId().map(String::trim).filter(s -> !s.isEmpty());
    }

    /** The plan's limits as JSON (an empty object when unknown or unparsable). */
    public ObjectNode limits(Plan plan) {
        if (plan == null || plan.limits == null) {
            return json.createObjectNode();
        }
        try {
            JsonNode n = json.readTree(plan.limits);
            return n.isObject() ? (ObjectNode) n : json.createObjectNode();
        } catch (Exception e) {
            return json.createObjectNode();
        }
    }
}

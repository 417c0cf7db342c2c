package dev.billbridge.sandbox.chargebee;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.billbridge.sandbox.support.Json;

import java.util.List;

/**
 * One seeded Product Catalog 2.0 item price.
 *
 * @param periodUnit {@code month} or {@code year}
 * @param trialDays  0 when the price has no trial
 */
public record ItemPriceDef(String id, String itemId, String name, String itemType, long priceCents, int period,
                           String periodUnit, int trialDays) {

    public static final String CURRENCY = "USD";

    /** The seeded catalog; other modules use these ids. */
    public static final List<ItemPriceDef> SEEDED = List.of(
            new ItemPriceDef("starter-USD-monthly", "starter", "Starter USD Monthly", "plan", 1900, 1, "month", 14),
            new ItemPriceDef("pro-USD-monthly", "pro", "Pro USD Monthly", "plan", 4900, 1, "month", 0),
            new ItemPriceDef("pro-USD-yearly", "pro", "Pro USD Yearly", "plan", 49000, 1, "year", 0),
            new ItemPriceDef("extra-seats-USD-monthly", "extra-seats", "Extra seats USD Monthly", "addon", 500, 1,
                    "month", 0));

    public boolean hasTrial() {
        return trialDays > 0;
    }

    ObjectNode toJson(long createdAtSeconds) {
        ObjectNode n = Json.object();
        n.put("id", id).put("name", name).put("item_family_id", "billbridge").put("item_id", itemId)
                .put("status", "active").put("external_name", name).put("pricing_model", "per_unit")
                .put("price", priceCents).put("period", period).put("period_unit", periodUnit)
                .put("currency_code", CURRENCY).put("free_quantity", 0).put("is_taxable", true)
                .put("item_type", itemType).put("channel", "web").put("show_description_in_invoices", false)
                .put("show_description_in_quotes", false).put("created_at", createdAtSeconds)
                .put("updated_at", createdAtSeconds).put("resource_version", createdAtSeconds * 1000)
                .put("deleted", false).put("object", "item_price");
        if (hasTrial()) {
            n.put("trial_period", trialDays).put("trial_period_unit", "day").put("trial_end_action", "site_default");
        }
        return n;
    }
}

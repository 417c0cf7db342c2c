package dev.billbridge.core.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A sellable plan: a Chargebee item price plus the limits the product gates features on. */
@Entity
@Table(name = "plan")
public class Plan extends PanacheEntityBase {

    @Id
    @Column(name = "item_price_id")
    public String itemPriceId;

    @Column(nullable = false)
    public String name;

    /** JSON object text, e.g. {@code {"seats": 10, "projects": 5}}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public String limits = "{}";

    @Column(name = "trial_days")
    public Integer trialDays;

    @Column(nullable = false)
    public boolean active = true;
}

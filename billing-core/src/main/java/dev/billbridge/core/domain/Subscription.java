package dev.billbridge.core.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.PrePersist;
import jakarta.persistence.PreUpdate;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** The local cache of one Chargebee subscription (or a pending checkout, status {@code future}). */
@Entity
@Table(name = "subscription")
public class Subscription extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "reference_id", nullable = false)
    public String referenceId;

    @Column(name = "chargebee_customer_id")
    public String chargebeeCustomerId;

    @Column(name = "chargebee_subscription_id", unique = true)
    public String chargebeeSubscriptionId;

    /** Wire form of {@link SubscriptionStatus}; kept as text so the database check names the values. */
    @Column(nullable = false)
    public String status = SubscriptionStatus.FUTURE.wire();

    @Column(name = "item_price_id")
    public String itemPriceId;

    public Integer seats;

    @Column(name = "period_start")
    public Instant periodStart;

    @Column(name = "period_end")
    public Instant periodEnd;

    @Column(name = "trial_start")
    public Instant trialStart;

    @Column(name = "trial_end")
    public Instant trialEnd;

    @Column(name = "canceled_at")
    public Instant canceledAt;

    @Column(name = "resource_version")
    public Long resourceVersion;

    /** JSON object text. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public String metadata;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @OneToMany(mappedBy = "subscription", cascade = CascadeType.ALL, orphanRemoval = true)
    public List<SubscriptionItem> items = new ArrayList<>();

    public SubscriptionStatus statusEnum() {
        return SubscriptionStatus.fromWire(status);
    }

    public static Optional<Subscription> byChargebeeId(String chargebeeSubscriptionId) {
        return find("chargebeeSubscriptionId", chargebeeSubscriptionId).firstResultOptional();
    }

    /** The organization's live subscription, if any (the unique index allows at most one). */
    public static Optional<Subscription> liveFor(String referenceId) {
        return find("referenceId = ?1 and status in ?2", referenceId, SubscriptionStatus.liveWire()).firstResultOptional();
    }

    @PrePersist
    void onCreate() {
        Instant now = Instant.now();
        if (id == null) {
            id = UUID.randomUUID();
        }
        if (createdAt == null) {
            createdAt = now;
        }
        updatedAt = now;
    }

    @PreUpdate
    void onUpdate() {
        updatedAt = Instant.now();
    }
}

package dev.billbridge.core.domain;

import java.time.Instant;
import java.util.Optional;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.PrePersist;
import jakarta.persistence.PreUpdate;
import jakarta.persistence.Table;

/** A Scalekit organization: the tenant, and the billing reference of its subscriptions. */
@Entity
@Table(name = "organization")
public class Organization extends PanacheEntityBase {

    @Id
    public String id;

    @Column(name = "display_name")
    public String displayName;

    @Column(name = "chargebee_customer_id", unique = true)
    public String chargebeeCustomerId;

    @Column(nullable = false)
    public boolean delinquent;

    @Column(name = "last_event_at")
    public Instant lastEventAt;

    @Column(name = "delinquency_event_at")
    public Instant delinquencyEventAt;

    @Column(name = "deleted_at")
    public Instant deletedAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public boolean isDeleted() {
        return deletedAt != null;
    }

    public static Optional<Organization> byCustomerId(String customerId) {
        return find("chargebeeCustomerId", customerId).firstResultOptional();
    }

    @PrePersist
    void onCreate() {
        Instant now = Instant.now();
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

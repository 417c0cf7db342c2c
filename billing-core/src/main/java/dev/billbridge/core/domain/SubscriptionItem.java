package dev.billbridge.core.domain;

import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/** One line of a subscription (Product Catalog 2.0): a plan, add-on or charge item price. */
@Entity
@Table(name = "subscription_item")
@IdClass(SubscriptionItem.Key.class)
public class SubscriptionItem extends PanacheEntityBase {

    @Id
    @ManyToOne(optional = false)
    @JoinColumn(name = "subscription_id")
    public Subscription subscription;

    @Id
    @Column(name = "item_price_id")
    public String itemPriceId;

    @Column(name = "item_type")
    public String itemType;

    public Integer quantity;

    /** Minor units. */
    @Column(name = "unit_price")
    public Long unitPrice;

    /** Minor units. */
    public Long amount;

    public static class Key implements Serializable {
        public UUID subscription;
        public String itemPriceId;

        public Key() {
        }

        public Key(UUID subscription, String itemPriceId) {
            this.subscription = subscription;
            this.itemPriceId = itemPriceId;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(subscription, k.subscription) && Objects.equals(itemPriceId, k.itemPriceId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(subscription, itemPriceId);
        }
    }
}

package dev.billbridge.api.billing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.domain.SubscriptionStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.PersistenceException;

/**
 * The read side of the local subscription cache, for the endpoints the frontend polls (list,
 * entitlements). One indexed query on a pooled connection in autocommit: no JTA transaction, no
 * Hibernate session and no entity hydration. Profiling the list endpoint showed those took about
 * two thirds of its CPU (the status list parameter alone made Hibernate re-interpret the query and
 * throw and catch an exception on every call). Writes stay on the entities.
 */
@ApplicationScoped
public class LocalSubscriptions {

    /** A live subscription as the frontend sees it. */
    public record LiveRow(UUID id, String status, String itemPriceId, Integer seats, Instant trialEnd, Instant periodEnd,
                          Instant canceledAt) {

        public static LiveRow of(Subscription s) {
            return new LiveRow(s.id, s.status, s.itemPriceId, s.seats, s.trialEnd, s.periodEnd, s.canceledAt);
        }
    }

    /** The organization's delinquency flag and its live subscription (null when none). */
    public record Standing(boolean delinquent, LiveRow live) {
    }

    // Statuses are constants of the code, inlined so the statement text never varies.
    private static final String LIVE_STATUSES = SubscriptionStatus.liveWire().stream()
            .map(s -> "'" + s + "'").collect(Collectors.joining(","));

    private static final String COLUMNS = "s.id, s.status, s.item_price_id, s.seats, s.trial_end, s.period_end, s.canceled_at";

    /** Pending checkouts ({@code future} rows not yet linked to Chargebee) are not listed. */
    private static final String LIVE_SQL = "select " + COLUMNS + " from subscription s where s.reference_id = ? and s.status in ("
            + LIVE_STATUSES + ") and s.chargebee_subscription_id is not null order by s.created_at";

    private static final String STANDING_SQL = "select o.delinquent, " + COLUMNS + " from (select ? as rid) r"
            + " left join organization o on o.id = r.rid"
            + " left join subscription s on s.reference_id = r.rid and s.status in (" + LIVE_STATUSES + ")"
            + " and s.chargebee_subscription_id is not null order by s.created_at limit 1";

    @Inject
    DataSource dataSource;

    public List<LiveRow> live(String organizationId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(LIVE_SQL)) {
            ps.setString(1, organizationId);
            try (ResultSet rs = ps.executeQuery()) {
                List<LiveRow> rows = new ArrayList<>(1);
                while (rs.next()) {
                    rows.add(row(rs, 1));
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new CacheUnavailable(e);
        }
    }

    public Standing standing(String organizationId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(STANDING_SQL)) {
            ps.setString(1, organizationId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Standing(false, null);
                }
                boolean delinquent = rs.getBoolean(1);
                return new Standing(delinquent, rs.getObject(2) == null ? null : row(rs, 2));
            }
        } catch (SQLException e) {
            throw new CacheUnavailable(e);
        }
    }

    private static LiveRow row(ResultSet rs, int first) throws SQLException {
        return new LiveRow(rs.getObject(first, UUID.class), rs.getString(first + 1), rs.getString(first + 2),
                rs.getObject(first + 3, Integer.class), instant(rs, first + 4), instant(rs, first + 5), instant(rs, first + 6));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /** The database could not be read; a persistence failure like any other (503 with Retry-After). */
    public static final class CacheUnavailable extends PersistenceException {
        CacheUnavailable(SQLException cause) {
            super("subscription cache unavailable", cause);
        }
    }
}

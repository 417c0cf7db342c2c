package dev.billbridge.core.domain;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Chargebee's subscription statuses, plus {@code future} for a checkout that has not completed. */
public enum SubscriptionStatus {
    FUTURE, IN_TRIAL, ACTIVE, NON_RENEWING, PAUSED, CANCELLED, TRANSFERRED;

    /** The statuses the partial unique index counts: at most one of these per organization. */
    public static final Set<SubscriptionStatus> LIVE = EnumSet.of(FUTURE, IN_TRIAL, ACTIVE, NON_RENEWING, PAUSED);

    /** The statuses that grant the plan's entitlements. */
    public static final Set<SubscriptionStatus> ENTITLED = EnumSet.of(IN_TRIAL, ACTIVE, NON_RENEWING);

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isLive() {
        return LIVE.contains(this);
    }

    public static SubscriptionStatus fromWire(String s) {
        if (s == null) {
            throw new IllegalArgumentException("subscription status is missing");
        }
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }

    /** Wire names of the live statuses, for {@code status in (:live)} queries. */
    public static java.util.List<String> liveWire() {
        return LIVE.stream().map(SubscriptionStatus::wire).toList();
    }
}

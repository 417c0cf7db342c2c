package dev.billbridge.api.auth;

/** What a caller wants to do with an organization's billing. */
public enum BillingAction {
    READ(false), CREATE(true), UPDATE(true), CANCEL(true), PORTAL(true);

    private final boolean mutating;

    BillingAction(boolean mutating) {
        this.mutating = mutating;
    }

    /** Mutating actions need the configured role or permission. */
    public boolean mutating() {
        return mutating;
    }
}

package dev.billbridge.sync.apply;

import java.util.ArrayList;
import java.util.List;

import dev.billbridge.core.events.LifecycleEvent;

/** What a committed transaction must announce: lifecycle records and CDI hook events, in order. */
public final class Effects {

    public final List<LifecycleEvent> lifecycle = new ArrayList<>();
    public final List<Object> hooks = new ArrayList<>();
    /** Events applied (or skipped as stale/unknown) and recorded in the message log. */
    public int recorded;
    /** Events already in the message log. */
    public int duplicates;

    public void addAll(Effects other) {
        lifecycle.addAll(other.lifecycle);
        hooks.addAll(other.hooks);
        recorded += other.recorded;
        duplicates += other.duplicates;
    }
}

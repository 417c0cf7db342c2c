package dev.billbridge.sync;

import java.util.List;
import java.util.ArrayList;
import java.util.Collections;

import dev.billbridge.sync.hooks.SubscriptionHooks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Records the CDI hook events the worker fires, as "<hook>:<organization>". */
@ApplicationScoped
public class HookRecorder {

    public final List<String> seen = Collections.synchronizedList(new ArrayList<>());

    void complete(@Observes SubscriptionHooks.SubscriptionComplete e) {
        seen.add("onSubscriptionComplete:" + e.organizationId());
    }

    void cancel(@Observes SubscriptionHooks.SubscriptionCancel e) {
        seen.add("onSubscriptionCancel:" + e.organizationId());
    }

    void trialStart(@Observes SubscriptionHooks.TrialStart e) {
        seen.add("onTrialStart:" + e.organizationId());
    }

    void trialEnd(@Observes SubscriptionHooks.TrialEnd e) {
        seen.add("onTrialEnd:" + e.organizationId());
    }

    public List<String> of(String org) {
        synchronized (seen) {
            return seen.stream().filter(s -> s.endsWith(":" + org)).map(s -> s.substring(0, s.indexOf(':'))).toList();
        }
    }
}

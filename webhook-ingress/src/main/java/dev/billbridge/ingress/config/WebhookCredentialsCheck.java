package dev.billbridge.ingress.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.SmallRyeConfig;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Refuses to start a deployed ingress without webhook credentials. A receiver that silently skips
 * authentication when they are unset (as the reference app does) accepts forged billing events;
 * failing at start-up turns that misconfiguration into a crash loop someone notices. The dev and
 * test profiles may run without them: the endpoints then reject every request (never skip the check).
 */
@ApplicationScoped
public class WebhookCredentialsCheck {

    private static final Logger LOG = Logger.getLogger(WebhookCredentialsCheck.class);
    private static final List<String> RELAXED_PROFILES = List.of("dev", "test");

    private final IngressConfig config;

    public WebhookCredentialsCheck(IngressConfig config) {
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        List<String> missing = check(ConfigProvider.getConfig().unwrap(SmallRyeConfig.class).getProfiles(), config);
        if (!missing.isEmpty()) {
            LOG.warnf("%s not set: the matching webhook endpoint rejects every request", String.join(", ", missing));
        }
    }

    /**
     * Throws when credentials are missing under a strict profile; otherwise returns what is missing
     * (empty when everything is set).
     */
    public static List<String> check(Collection<String> activeProfiles, IngressConfig config) {
        List<String> missing = missing(config);
        if (!missing.isEmpty() && strict(activeProfiles)) {
            throw new IllegalStateException("webhook-ingress refuses to start: " + String.join(", ", missing)
                    + " not set (required outside the dev and test profiles; active profiles " + activeProfiles + ")");
        }
        return missing;
    }

    /** The environment variables that are unset, in a stable order. */
    public static List<String> missing(IngressConfig config) {
        List<String> missing = new ArrayList<>();
        boolean secret = config.scalekit().secrets().map(l -> l.stream().anyMatch(s -> !s.isBlank())).orElse(false);
        if (!secret) {
            missing.add("SCALEKIT_WEBHOOK_SECRET");
        }
        if (config.chargebee().username().filter(s -> !s.isBlank()).isEmpty()) {
            missing.add("CHARGEBEE_WEBHOOK_USERNAME");
        }
        if (config.chargebee().password().filter(s -> !s.isEmpty()).isEmpty()) {
            missing.add("CHARGEBEE_WEBHOOK_PASSWORD");
        }
        return missing;
    }

    /** Strict unless one of the active profiles is dev or test (so prod, staging, custom profiles are strict). */
    public static boolean strict(Collection<String> activeProfiles) {
        return activeProfiles.stream().noneMatch(RELAXED_PROFILES::contains);
    }
}

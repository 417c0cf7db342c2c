package dev.billbridge.core.chargebee;

import java.util.Optional;

import com.chargebee.Environment;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The one place that knows how to reach Chargebee. Every call passes {@link #env()} to
 * {@code .request(env)}; the SDK's static default environment is never used, so two sites (or a
 * simulator) can never be mixed up.
 *
 * <p>Configuration: {@code CHARGEBEE_SITE}, {@code CHARGEBEE_API_KEY} and {@code CHARGEBEE_API_BASE_URL}
 * (properties {@code chargebee.site}, {@code chargebee.api-key}, {@code chargebee.api-base-url}).
 */
@ApplicationScoped
public class ChargebeeGateway {

    public static final int CONNECT_TIMEOUT_MS = 5_000;
    public static final int READ_TIMEOUT_MS = 15_000;

    private final Environment env;

    public ChargebeeGateway(@ConfigProperty(name = "chargebee.site") String site,
                            @ConfigProperty(name = "chargebee.api-key") String apiKey,
                            @ConfigProperty(name = "chargebee.api-base-url") Optional<String> apiBaseUrl) {
        this.env = environment(site, apiKey, apiBaseUrl.orElse(null));
    }

    public Environment env() {
        return env;
    }

    /** The base URL requests go to, e.g. {@code https://acme-test.chargebee.com/api/v2}. */
    public String apiBaseUrl() {
        return env.apiBaseUrl();
    }

    /**
     * Builds an SDK environment; also used outside CDI (the ops tool).
     *
     * @param apiBaseUrl the API root including {@code /api/v2}; blank means the real site's
     */
    public static Environment environment(String site, String apiKey, String apiBaseUrl) {
        if (site == null || site.isBlank()) {
            throw new IllegalArgumentException("CHARGEBEE_SITE is not set");
        }
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("CHARGEBEE_API_KEY is not set");
        }
        String base = apiBaseUrl == null || apiBaseUrl.isBlank()
                ? "https://" + site.trim() + ".chargebee.com/api/v2"
                : stripTrailingSlash(apiBaseUrl.trim());
        Environment e = new Environment(site.trim(), apiKey.trim()) {
            @Override
            public String apiBaseUrl() {
                return base;
            }

            @Override
            public String toString() {
                // the SDK's fields include the API key; never let it reach a log line
                return "Environment[" + base + "]";
            }
        };
        e.connectTimeout = CONNECT_TIMEOUT_MS;
        e.readTimeout = READ_TIMEOUT_MS;
        return e;
    }

    private static String stripTrailingSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}

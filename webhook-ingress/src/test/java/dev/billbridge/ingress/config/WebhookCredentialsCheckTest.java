package dev.billbridge.ingress.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import org.junit.jupiter.api.Test;

/** The start-up refusal, without booting Quarkus in another profile. */
class WebhookCredentialsCheckTest {

    static IngressConfig config(List<String> secrets, String user, String password) {
        return new IngressConfig() {
            public Scalekit scalekit() {
                return new Scalekit() {
                    public Optional<List<String>> secrets() {
                        return Optional.ofNullable(secrets);
                    }

                    public Duration tolerance() {
                        return Duration.ofSeconds(300);
                    }
                };
            }

            public Chargebee chargebee() {
                return new Chargebee() {
                    public Optional<String> username() {
                        return Optional.ofNullable(user);
                    }

                    public Optional<String> password() {
                        return Optional.ofNullable(password);
                    }
                };
            }

            public MemorySize maxBodySize() {
                return new MemorySize(java.math.BigInteger.valueOf(1 << 20));
            }

            public Duration publishTimeout() {
                return Duration.ofSeconds(5);
            }

            public int retryAfterSeconds() {
                return 5;
            }
        };
    }

    @Test
    void prodRefusesToStartWithoutAnyCredential() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> WebhookCredentialsCheck.check(List.of("prod"), config(null, null, null)));
        assertTrue(e.getMessage().contains("SCALEKIT_WEBHOOK_SECRET"));
        assertTrue(e.getMessage().contains("CHARGEBEE_WEBHOOK_USERNAME"));
        assertTrue(e.getMessage().contains("CHARGEBEE_WEBHOOK_PASSWORD"));
    }

    @Test
    void prodRefusesEachMissingCredentialAlone() {
        List<String> s = List.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThrows(IllegalStateException.class, () -> WebhookCredentialsCheck.check(List.of("prod"), config(null, "u", "p")));
        assertThrows(IllegalStateException.class, () -> WebhookCredentialsCheck.check(List.of("prod"), config(List.of(" "), "u", "p")));
        assertThrows(IllegalStateException.class, () -> WebhookCredentialsCheck.check(List.of("prod"), config(s, null, "p")));
        assertThrows(IllegalStateException.class, () -> WebhookCredentialsCheck.check(List.of("prod"), config(s, "u", null)));
        assertThrows(IllegalStateException.class, () -> WebhookCredentialsCheck.check(List.of("prod"), config(s, " ", "p")));
        assertEquals(List.of(), WebhookCredentialsCheck.check(List.of("prod"), config(s, "u", "p")));
    }

    @Test
    void customProfilesAreStrictDevAndTestAreNot() {
        assertThrows(IllegalStateException.class, () -> WebhookCredentialsCheck.check(List.of("staging"), config(null, null, null)));
        assertThrows(IllegalStateException.class, () -> WebhookCredentialsCheck.check(List.of(), config(null, null, null)));
        assertEquals(List.of("SCALEKIT_WEBHOOK_SECRET", "CHARGEBEE_WEBHOOK_USERNAME", "CHARGEBEE_WEBHOOK_PASSWORD"),
                WebhookCredentialsCheck.check(List.of("dev"), config(null, null, null)));
        assertEquals(3, WebhookCredentialsCheck.check(List.of("test"), config(null, null, null)).size());
        assertFalse(WebhookCredentialsCheck.strict(List.of("test", "prod")));
    }
}

package dev.billbridge.api.auth;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.SecretKey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.billbridge.api.config.BillingApiConfig;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * smallrye-jwt's parser with a short memory: a frontend sends the same access token on every call of
 * a session, and verifying it (base64 and JSON parsing in jose4j, then RS256) was most of the CPU and
 * almost all of the garbage of a cheap read such as the subscription list. Quarkus's JWT mechanism
 * calls {@link #parse(String)}; a token is remembered only after the default parser accepted it
 * (signature, RS256, issuer, audience, expiry), keyed by its exact text, and only until the earlier
 * of its {@code exp} and the configured TTL. Rejections are never remembered, so an unknown
 * {@code kid} still makes smallrye-jwt fetch the JWKS again.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VerifiedTokenCache implements JWTParser {

    private final DefaultJWTParser verifier;
    private final Cache<String, Verified> cache;

    @Inject
    public VerifiedTokenCache(DefaultJWTParser verifier, BillingApiConfig config) {
        this.verifier = verifier;
        int maxSize = config.tokenCache().maxSize();
        long ttlNanos = config.tokenCache().ttl().toNanos();
        this.cache = maxSize <= 0 || ttlNanos <= 0 ? null : Caffeine.newBuilder()
                .maximumSize(maxSize)
                .expireAfter(new Expiry<String, Verified>() {
                    @Override
                    public long expireAfterCreate(String key, Verified v, long now) {
                        return Math.max(0, Math.min(ttlNanos, v.nanosLeft()));
                    }

                    @Override
                    public long expireAfterUpdate(String key, Verified v, long now, long current) {
                        return current;
                    }

                    @Override
                    public long expireAfterRead(String key, Verified v, long now, long current) {
                        return current;
                    }
                })
                .build();
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        if (cache == null) {
            return verifier.parse(token);
        }
        Verified hit = cache.getIfPresent(token);
        if (hit != null && hit.nanosLeft() > 0) {
            return hit;
        }
        Verified fresh = new Verified(verifier.parse(token));
        if (fresh.nanosLeft() > 0) {
            cache.put(token, fresh);
        }
        return fresh;
    }

    /** Tokens currently remembered (for tests and metrics). */
    public long size() {
        return cache == null ? 0 : cache.estimatedSize();
    }

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo context) throws ParseException {
        return verifier.parse(token, context);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return verifier.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return verifier.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return verifier.parseOnly(token);
    }

    /**
     * A verified token that remembers the claims it was asked for. smallrye-jwt's principal throws and
     * catches an exception on every read of a non-standard claim such as {@code oid} or {@code roles};
     * a remembered token is read on every request, so each claim is looked up once.
     */
    static final class Verified implements JsonWebToken {
        private final JsonWebToken token;
        private final long expiresAtNanos;
        private final Map<String, Optional<Object>> claims = new ConcurrentHashMap<>();
        private volatile Set<String> groups;
        private volatile Set<String> audience;

        Verified(JsonWebToken token) {
            this.token = token;
            long exp = token.getExpirationTime();
            long nowSeconds = System.currentTimeMillis() / 1000;
            this.expiresAtNanos = System.nanoTime() + Duration.ofSeconds(Math.max(0, exp - nowSeconds)).toNanos();
        }

        long nanosLeft() {
            return expiresAtNanos - System.nanoTime();
        }

        @Override
        public String getName() {
            return token.getName();
        }

        @Override
        public Set<String> getClaimNames() {
            return token.getClaimNames();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getClaim(String claimName) {
            return (T) claims.computeIfAbsent(claimName, n -> Optional.ofNullable(token.getClaim(n))).orElse(null);
        }

        // smallrye-jwt maps roles (smallrye.jwt.path.groups) and normalizes aud in its own overrides
        @Override
        public Set<String> getGroups() {
            Set<String> g = groups;
            if (g == null) {
                groups = g = token.getGroups();
            }
            return g;
        }

        @Override
        public Set<String> getAudience() {
            Set<String> a = audience;
            if (a == null) {
                audience = a = token.getAudience();
            }
            return a;
        }

        @Override
        public String toString() {
            return token.toString();
        }
    }
}

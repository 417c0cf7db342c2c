package dev.billbridge.sandbox.scalekit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What to put into a minted access token.
 *
 * @param sub         user id ({@code usr_..}); required
 * @param oid         organization id ({@code org_..}); null omits the claim (a token with no org)
 * @param roles       {@code roles} claim
 * @param permissions {@code permissions} claim
 * @param ttl         lifetime; may be negative to mint an already expired token
 * @param audience    {@code aud}; null means the simulator's client id
 * @param extraClaims added last, overriding anything above
 */
public record TokenRequest(String sub, String oid, List<String> roles, List<String> permissions, Duration ttl,
                           String audience, Map<String, Object> extraClaims) {

    public TokenRequest {
        if (sub == null || sub.isBlank()) {
            throw new IllegalArgumentException("sub is required");
        }
        roles = roles == null ? List.of() : List.copyOf(roles);
        permissions = permissions == null ? List.of() : List.copyOf(permissions);
        ttl = ttl == null ? Duration.ofHours(1) : ttl;
        extraClaims = extraClaims == null ? Map.of() : Map.copyOf(extraClaims);
    }

    /** A one-hour token for a user in an organization, with no roles. */
    public static TokenRequest of(String sub, String oid) {
        return new TokenRequest(sub, oid, List.of(), List.of(), null, null, null);
    }

    public TokenRequest withRoles(String... r) {
        return new TokenRequest(sub, oid, List.of(r), permissions, ttl, audience, extraClaims);
    }

    public TokenRequest withPermissions(String... p) {
        return new TokenRequest(sub, oid, roles, List.of(p), ttl, audience, extraClaims);
    }

    public TokenRequest withTtl(Duration t) {
        return new TokenRequest(sub, oid, roles, permissions, t, audience, extraClaims);
    }

    public TokenRequest withAudience(String aud) {
        return new TokenRequest(sub, oid, roles, permissions, ttl, aud, extraClaims);
    }

    public TokenRequest withExtraClaims(Map<String, Object> claims) {
        return new TokenRequest(sub, oid, roles, permissions, ttl, audience, claims);
    }
}

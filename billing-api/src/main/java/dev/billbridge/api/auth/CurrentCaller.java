package dev.billbridge.api.auth;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

import dev.billbridge.api.error.ApiException;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The verified token of this request as a {@link Caller}. smallrye-jwt has already checked the
 * signature (RS256 against Scalekit's JWKS), issuer, audience and expiry; this adds the one rule of
 * billing: a token without an organization ({@code oid}) cannot act on billing.
 */
@RequestScoped
public class CurrentCaller {

    public static final String NO_ORGANIZATION = "Organization context required for billing";

    @Inject
    JsonWebToken jwt;

    private Caller caller;

    public Caller get() {
        if (caller == null) {
            String oid = text(jwt.getClaim("oid"));
            if (oid == null || oid.isBlank()) {
                throw new ApiException(403, "organization_required", NO_ORGANIZATION);
            }
            caller = new Caller(jwt.getSubject(), oid, strings(jwt.getClaim("roles")), strings(jwt.getClaim("permissions")));
        }
        return caller;
    }

    private static String text(Object claim) {
        if (claim instanceof JsonString s) {
            return s.getString();
        }
        return claim instanceof String s ? s : null;
    }

    private static Set<String> strings(Object claim) {
        Set<String> out = new LinkedHashSet<>();
        if (claim instanceof JsonArray arr) {
            for (JsonValue v : arr) {
                if (v instanceof JsonString s) {
                    out.add(s.getString());
                }
            }
        } else if (claim instanceof Collection<?> c) {
            c.forEach(v -> out.add(String.valueOf(v)));
        } else if (claim instanceof JsonString s) {
            out.add(s.getString());
        } else if (claim instanceof String s) {
            out.add(s);
        }
        return Set.copyOf(out);
    }
}

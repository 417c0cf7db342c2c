package dev.billbridge.ingress.verify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * HTTP Basic credentials as Chargebee sends them. The password may contain colons (RFC 7617: the
 * user-id cannot), so the split is on the first one. Both parts are compared through SHA-256 digests
 * with {@link MessageDigest#isEqual}, so neither the content nor the length of the secrets shows in
 * the timing.
 */
public final class BasicAuthVerifier {

    private final byte[] username;
    private final byte[] password;

    /** Null or blank credentials make every request fail: authentication is never skipped. */
    public BasicAuthVerifier(String username, String password) {
        boolean configured = username != null && !username.isBlank() && password != null && !password.isEmpty();
        this.username = configured ? sha256(username.getBytes(StandardCharsets.UTF_8)) : null;
        this.password = configured ? sha256(password.getBytes(StandardCharsets.UTF_8)) : null;
    }

    public boolean configured() {
        return username != null;
    }

    public void verify(String authorization) throws VerificationFailure {
        if (!configured()) {
            throw new VerificationFailure("not_configured", "webhook authentication is not configured");
        }
        if (authorization == null || authorization.isBlank()) {
            throw new VerificationFailure("missing_credentials", "Basic credentials are required");
        }
        String h = authorization.strip();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
            throw new VerificationFailure("missing_credentials", "Basic credentials are required");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(space + 1).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new VerificationFailure("malformed_credentials", "Basic credentials are not base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new VerificationFailure("malformed_credentials", "Basic credentials lack a colon");
        }
        boolean user = MessageDigest.isEqual(username, sha256(decoded.substring(0, colon).getBytes(StandardCharsets.UTF_8)));
        boolean pass = MessageDigest.isEqual(password, sha256(decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8)));
        if (!(user & pass)) {
            throw new VerificationFailure("invalid_credentials", "wrong credentials");
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

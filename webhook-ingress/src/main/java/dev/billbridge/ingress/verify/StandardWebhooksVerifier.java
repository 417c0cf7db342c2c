package dev.billbridge.ingress.verify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks v1 (the scheme Scalekit signs with): base64(HMAC-SHA256(key, id.timestamp.body)).
 *
 * <p>Written here rather than calling {@code com.standardwebhooks:standardwebhooks} 1.2.0 (which the
 * tests use as the reference signer), because that library
 * <ul>
 *   <li>fixes the timestamp tolerance at 300 s, and ours is configurable;</li>
 *   <li>verifies a {@code String}: the exact bytes we publish would have to be decoded and re-encoded,
 *       and a body that is not valid UTF-8 changes on that round trip, so the HMAC would no longer be
 *       over the bytes that go to Kafka. Here it is over the raw bytes;</li>
 *   <li>takes one secret, so a rotation would recompute the signature per secret through a String.format.</li>
 * </ul>
 * Several keys are accepted at once (rotation), any {@code v1} signature in the header may match, other
 * versions are skipped, comparison is constant-time, and malformed input is a verification failure,
 * never a runtime exception.
 */
public final class StandardWebhooksVerifier {

    private static final String PREFIX = "whsec_";
    private static final String HMAC = "HmacSHA256";
    private static final int MAX_TIMESTAMP_DIGITS = 12;

    private final List<SecretKeySpec> keys;
    private final long toleranceSeconds;
    private final Clock clock;
    /**
     * One initialised Mac per key and thread: Mac.getInstance + init cost more than the HMAC of a
     * typical event. A Mac is not thread-safe, and doFinal resets it for the next use.
     */
    private final ThreadLocal<Mac[]> macs;

    public StandardWebhooksVerifier(List<String> secrets, Duration tolerance, Clock clock) {
        List<SecretKeySpec> k = new ArrayList<>();
        int n = 0;
        for (String secret : secrets) {
            n++;
            String s = secret.strip();
            if (s.isEmpty()) {
                continue;
            }
            if (s.startsWith(PREFIX)) {
                s = s.substring(PREFIX.length());
            }
            byte[] raw;
            try {
                raw = Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                // never echo the secret itself
                throw new IllegalArgumentException("webhook secret #" + n + " is not whsec_<base64>");
            }
            if (raw.length == 0) {
                throw new IllegalArgumentException("webhook secret #" + n + " is empty");
            }
            k.add(new SecretKeySpec(raw, HMAC));
        }
        this.keys = List.copyOf(k);
        this.toleranceSeconds = tolerance.toSeconds();
        this.clock = clock;
        this.macs = ThreadLocal.withInitial(() -> {
            Mac[] m = new Mac[keys.size()];
            for (int i = 0; i < m.length; i++) {
                m[i] = newMac(keys.get(i));
            }
            return m;
        });
    }

    public boolean configured() {
        return !keys.isEmpty();
    }

    public void verify(String id, String timestamp, String signatures, byte[] body) throws VerificationFailure {
        if (!configured()) {
            throw new VerificationFailure("not_configured", "webhook verification is not configured");
        }
        if (blank(id) || blank(timestamp) || blank(signatures)) {
            throw new VerificationFailure("missing_headers",
                    "webhook-id, webhook-timestamp and webhook-signature are required");
        }
        String ts0 = timestamp.strip();
        long ts = parseTimestamp(ts0);
        long now = clock.instant().getEpochSecond();
        if (ts < now - toleranceSeconds) {
            throw new VerificationFailure("timestamp_too_old", "webhook-timestamp is too old");
        }
        if (ts > now + toleranceSeconds) {
            throw new VerificationFailure("timestamp_too_new", "webhook-timestamp is in the future");
        }
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] tsBytes = ts0.getBytes(StandardCharsets.ISO_8859_1); // digits only, checked above
        List<byte[]> candidates = candidates(signatures);
        if (candidates == null) {
            throw new VerificationFailure("malformed_signature", "webhook-signature holds no v1 signature");
        }
        boolean match = false;
        for (Mac mac : macs.get()) {
            mac.update(idBytes);
            mac.update((byte) '.');
            mac.update(tsBytes);
            mac.update((byte) '.');
            byte[] expected = mac.doFinal(body);
            for (byte[] candidate : candidates) {
                // no early exit: the time taken does not depend on which key or signature matched
                match |= MessageDigest.isEqual(expected, candidate);
            }
        }
        if (!match) {
            throw new VerificationFailure("invalid_signature", "no webhook-signature matches");
        }
    }

    private static long parseTimestamp(String t) throws VerificationFailure {
        if (t.isEmpty() || t.length() > MAX_TIMESTAMP_DIGITS) {
            throw new VerificationFailure("malformed_timestamp", "webhook-timestamp is not Unix seconds");
        }
        long v = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                throw new VerificationFailure("malformed_timestamp", "webhook-timestamp is not Unix seconds");
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * The decoded v1 signatures of a header like {@code "v1,abc= v1,def= v2,xyz"}; other versions are
     * skipped. Null when there is no v1 entry at all; a garbled v1 entry is kept as one that never matches.
     */
    private static List<byte[]> candidates(String header) {
        List<byte[]> out = new ArrayList<>(2);
        boolean v1 = false;
        String h = header.strip();
        int n = h.length();
        int i = 0;
        // the entries are separated by runs of ASCII whitespace (what the regex \s+ matches)
        while (i < n) {
            while (i < n && asciiSpace(h.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !asciiSpace(h.charAt(i))) {
                i++;
            }
            // "v1,<base64>": the version is everything before the first comma
            if (i - start >= 3 && h.startsWith("v1,", start)) {
                v1 = true;
                try {
                    out.add(Base64.getDecoder().decode(h.substring(start + 3, i)));
                } catch (IllegalArgumentException ignored) {
                    // a garbled signature simply does not match
                }
            }
        }
        return v1 ? out : null;
    }

    private static boolean asciiSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}

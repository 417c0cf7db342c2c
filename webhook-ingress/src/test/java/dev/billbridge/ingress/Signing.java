package dev.billbridge.ingress;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import com.standardwebhooks.Webhook;

/** Signs like Scalekit does, with the reference Standard Webhooks library (not our verifier's code). */
final class Signing {

    /** The two secrets of the test profile (application.properties): old and new during a rotation. */
    static final String SECRET_OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String SECRET_NEW = "whsec_dGVzdC1zZWNvbmQtc2VjcmV0LWZvci1yb3RhdGlvbg==";
    static final String SECRET_UNKNOWN = "whsec_b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVkISE=";

    private Signing() {
    }

    /** The webhook-signature header value, e.g. {@code v1,base64}. */
    static String sign(String secret, String msgId, long timestamp, String body) {
        try {
            return new Webhook(secret).sign(msgId, timestamp, body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

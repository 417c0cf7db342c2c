package dev.billbridge.ingress.verify;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.standardwebhooks.Webhook;
import org.junit.jupiter.api.Test;

/** Our verifier against the reference library's signatures, plus what the library cannot do. */
class StandardWebhooksVerifierTest {

    static final String A = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String B = "whsec_dGVzdC1zZWNvbmQtc2VjcmV0LWZvci1yb3RhdGlvbg==";
    static final long NOW = 1_763_633_730L;
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

    static StandardWebhooksVerifier verifier(Duration tolerance, String... secrets) {
        return new StandardWebhooksVerifier(List.of(secrets), tolerance, CLOCK);
    }

    static String libSign(String secret, String id, long ts, String body) throws Exception {
        return new Webhook(secret).sign(id, ts, body);
    }

    static String code(StandardWebhooksVerifier v, String id, String ts, String sig, byte[] body) {
        return assertThrows(VerificationFailure.class, () -> v.verify(id, ts, sig, body)).code();
    }

    @Test
    void acceptsTheReferenceLibrarysSignatureWithEitherRotationSecret() throws Exception {
        String body = "{\"id\":\"evt_1\",\"name\":\"Zürich ☃\"}";
        StandardWebhooksVerifier v = verifier(Duration.ofSeconds(300), A, " " + B + " ");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        assertDoesNotThrow(() -> v.verify("msg_1", Long.toString(NOW), libSign(A, "msg_1", NOW, body), bytes));
        assertDoesNotThrow(() -> v.verify("msg_1", Long.toString(NOW), libSign(B, "msg_1", NOW, body), bytes));
        assertEquals("invalid_signature", code(verifier(Duration.ofSeconds(300), A), "msg_1", Long.toString(NOW),
                libSign(B, "msg_1", NOW, body), bytes));
    }

    @Test
    void toleranceIsConfigurableBothWays() throws Exception {
        String body = "{}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        long old = NOW - 400;
        long future = NOW + 400;
        StandardWebhooksVerifier wide = verifier(Duration.ofMinutes(10), A);
        assertDoesNotThrow(() -> wide.verify("m", Long.toString(old), libSign(A, "m", old, body), bytes));
        assertDoesNotThrow(() -> wide.verify("m", Long.toString(future), libSign(A, "m", future, body), bytes));

        StandardWebhooksVerifier standard = verifier(Duration.ofSeconds(300), A);
        assertEquals("timestamp_too_old", code(standard, "m", Long.toString(old), libSign(A, "m", old, body), bytes));
        assertEquals("timestamp_too_new", code(standard, "m", Long.toString(future), libSign(A, "m", future, body), bytes));
        long edge = NOW - 300;
        assertDoesNotThrow(() -> standard.verify("m", Long.toString(edge), libSign(A, "m", edge, body), bytes));

        StandardWebhooksVerifier tight = verifier(Duration.ofSeconds(10), A);
        long eleven = NOW - 11;
        assertEquals("timestamp_too_old", code(tight, "m", Long.toString(eleven), libSign(A, "m", eleven, body), bytes));
    }

    @Test
    void signsTheRawBytesEvenWhenTheyAreNotValidUtf8() throws Exception {
        // 0xC3 0x28 is an invalid UTF-8 sequence: a String round trip would change these bytes
        byte[] body = {'{', '"', 'x', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(A.substring(6)), "HmacSHA256"));
        mac.update(("m." + NOW + ".").getBytes(StandardCharsets.UTF_8));
        String sig = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        StandardWebhooksVerifier v = verifier(Duration.ofSeconds(300), A);
        assertDoesNotThrow(() -> v.verify("m", Long.toString(NOW), sig, body));
        byte[] roundTripped = new String(body, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
        assertEquals("invalid_signature", code(v, "m", Long.toString(NOW), sig, roundTripped));
    }

    @Test
    void malformedInputIsAVerificationFailureNotAnException() throws Exception {
        StandardWebhooksVerifier v = verifier(Duration.ofSeconds(300), A);
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String good = libSign(A, "m", NOW, "{}");
        assertEquals("missing_headers", code(v, null, Long.toString(NOW), good, body));
        assertEquals("missing_headers", code(v, "m", " ", good, body));
        assertEquals("missing_headers", code(v, "m", Long.toString(NOW), null, body));
        assertEquals("malformed_timestamp", code(v, "m", "-5", good, body));
        assertEquals("malformed_timestamp", code(v, "m", "1e9", good, body));
        assertEquals("malformed_timestamp", code(v, "m", "9999999999999999999999", good, body));
        assertEquals("malformed_signature", code(v, "m", Long.toString(NOW), "v2," + good.substring(3), body));
        assertEquals("malformed_signature", code(v, "m", Long.toString(NOW), "nocomma", body));
        assertEquals("invalid_signature", code(v, "m", Long.toString(NOW), "v1,@@@", body));
        // several signatures separated by any whitespace, one matching
        assertDoesNotThrow(() -> v.verify("m", Long.toString(NOW), "v1,AAAA\t" + good + "  v1a,zzz", body));
    }

    @Test
    void noSecretMeansEverythingIsRejected() {
        StandardWebhooksVerifier v = verifier(Duration.ofSeconds(300));
        assertFalse(v.configured());
        assertEquals("not_configured", code(v, "m", Long.toString(NOW), "v1,AAAA", new byte[0]));
        assertTrue(verifier(Duration.ofSeconds(1), A).configured());
    }

    @Test
    void aMalformedSecretFailsWithoutEchoingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> verifier(Duration.ofSeconds(300), A, "whsec_not*base64"));
        assertFalse(e.getMessage().contains("not*base64"));
    }
}

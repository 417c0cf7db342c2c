package dev.billbridge.ingress.verify;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class BasicAuthVerifierTest {

    static String basic(String s) {
        return "Basic " + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String code(BasicAuthVerifier v, String header) {
        return assertThrows(VerificationFailure.class, () -> v.verify(header)).code();
    }

    @Test
    void splitsOnTheFirstColon() {
        BasicAuthVerifier v = new BasicAuthVerifier("hook", "pa:ss:wörd");
        assertDoesNotThrow(() -> v.verify(basic("hook:pa:ss:wörd")));
        assertEquals("invalid_credentials", code(v, basic("hook:pa")));
        assertEquals("invalid_credentials", code(v, basic("hook:pa:ss")));
        assertEquals("invalid_credentials", code(new BasicAuthVerifier("hook:pa", "ss:wörd"), basic("hook:pa:ss:wörd")));
    }

    @Test
    void missingMalformedAndWrong() {
        BasicAuthVerifier v = new BasicAuthVerifier("hook", "pw");
        assertEquals("missing_credentials", code(v, null));
        assertEquals("missing_credentials", code(v, "Basic"));
        assertEquals("missing_credentials", code(v, "Digest abc"));
        assertEquals("malformed_credentials", code(v, "Basic !!!"));
        assertEquals("malformed_credentials", code(v, basic("hookpw")));
        assertEquals("invalid_credentials", code(v, basic("Hook:pw")));
        assertEquals("invalid_credentials", code(v, basic(":pw")));
        assertDoesNotThrow(() -> v.verify("BASIC " + basic("hook:pw").substring(6)));
    }

    @Test
    void unsetCredentialsRejectEverything() {
        BasicAuthVerifier v = new BasicAuthVerifier(null, null);
        assertFalse(v.configured());
        assertEquals("not_configured", code(v, basic(":")));
        assertFalse(new BasicAuthVerifier("hook", "").configured());
        assertFalse(new BasicAuthVerifier(" ", "pw").configured());
    }
}

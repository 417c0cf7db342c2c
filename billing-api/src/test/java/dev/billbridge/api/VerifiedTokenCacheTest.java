package dev.billbridge.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import dev.billbridge.api.auth.VerifiedTokenCache;
import dev.billbridge.sandbox.scalekit.TokenRequest;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

/**
 * The verified-token cache is what Quarkus's JWT mechanism uses, reuses a token only after it was
 * verified, never past its exp, and never remembers a rejection.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(SimulatorsTestResource.class)
class VerifiedTokenCacheTest {

    @Inject
    JWTParser parser;
    @Inject
    VerifiedTokenCache cache;

    @Test
    void theJwtMechanismParsesThroughTheCache() {
        String org = Tokens.newOrg();
        String token = Tokens.admin(org);
        long before = cache.size();
        given().auth().oauth2(token).get("/api/session").then().statusCode(200).body("organizationId", equalTo(org));
        assertEquals(before + 1, cache.size(), "the request's token was verified by the cache's parser");
        given().auth().oauth2(token).get("/api/session").then().statusCode(200).body("organizationId", equalTo(org))
                .body("roles[0]", equalTo("admin"));
        assertEquals(before + 1, cache.size());
    }

    @Test
    void aVerifiedTokenIsReusedWithItsClaims() throws Exception {
        String org = Tokens.newOrg();
        String token = Tokens.member(org);
        JsonWebToken first = parser.parse(token);
        JsonWebToken again = parser.parse(token);
        assertSame(first, again);
        assertEquals(org, again.<String>getClaim("oid"));
        assertEquals("usr_member_" + org, again.getSubject());
        assertEquals(java.util.Set.of("member"), again.getGroups(), "roles are still mapped to groups");
    }

    @Test
    void aTokenIsNotReusedPastItsExpiry() throws Exception {
        String token = Tokens.sk().mintToken(TokenRequest.of("usr_short", Tokens.newOrg()).withTtl(Duration.ofSeconds(2)));
        JsonWebToken first = parser.parse(token);
        assertSame(first, parser.parse(token));
        Thread.sleep(2_500);
        // past exp the cache lets go; smallrye-jwt verifies it again (and accepts it within the clock skew)
        assertNotSame(first, parser.parse(token));
    }

    @Test
    void rejectionsAreNotRemembered() throws Exception {
        // (not an unknown kid: that would spend smallrye-jwt's forced JWKS refresh, which AuthenticationTest's
        // rotation test relies on in the same application)
        String forged = Tokens.algNone(Tokens.newOrg());
        long before = cache.size();
        assertThrows(ParseException.class, () -> parser.parse(forged));
        assertThrows(ParseException.class, () -> parser.parse(forged));
        assertEquals(before, cache.size());
        String expired = Tokens.sk().mintToken(TokenRequest.of("usr_old", Tokens.newOrg()).withTtl(Duration.ofMinutes(-5)));
        assertThrows(ParseException.class, () -> parser.parse(expired));
        assertEquals(before, cache.size());
    }
}

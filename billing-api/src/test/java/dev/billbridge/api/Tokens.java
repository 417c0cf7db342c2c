package dev.billbridge.api;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import dev.billbridge.sandbox.scalekit.ScalekitSimulator;
import dev.billbridge.sandbox.scalekit.TokenRequest;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;

/** Access tokens for tests: real ones from the Scalekit simulator, and forged ones. */
public final class Tokens {

    private Tokens() {
    }

    public static ScalekitSimulator sk() {
        return SimulatorsTestResource.scalekit();
    }

    public static String newOrg() {
        return "org_" + Math.abs(ThreadLocalRandom.current().nextLong() % 1_000_000_000_000L);
    }

    public static String admin(String org) {
        return sk().mintToken(TokenRequest.of("usr_admin_" + org, org).withRoles("admin"));
    }

    public static String member(String org) {
        return sk().mintToken(TokenRequest.of("usr_member_" + org, org).withRoles("member"));
    }

    /** Claims as the simulator would issue them, for forged tokens. */
    public static JwtClaims claims(String org) {
        JwtClaims c = new JwtClaims();
        long now = Instant.now().getEpochSecond();
        c.setIssuer(sk().envUrl());
        c.setAudience(sk().clientId());
        c.setSubject("usr_forger");
        c.setIssuedAt(NumericDate.fromSeconds(now));
        c.setNotBefore(NumericDate.fromSeconds(now));
        c.setExpirationTime(NumericDate.fromSeconds(now + 3600));
        c.setClaim("oid", org);
        c.setStringListClaim("roles", List.of("admin"));
        return c;
    }

    public static String algNone(String org) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(claims(org).toJson().getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + ".";
    }

    /** The classic key-confusion forgery: HS256 with the issuer's public key (PEM and DER) as the secret. */
    public static List<String> hs256WithPublicKey(String org) throws Exception {
        JsonWebKeySet set = new JsonWebKeySet(sk().jwksJson());
        String kid = sk().currentKeyId();
        JsonWebKey jwk = set.findJsonWebKey(kid, null, null, null);
        PublicKey pub = ((PublicJsonWebKey) jwk).getPublicKey();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pub.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        return List.of(hmac(org, kid, pem.getBytes(StandardCharsets.US_ASCII)), hmac(org, kid, pub.getEncoded()));
    }

    private static String hmac(String org, String kid, byte[] secret) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims(org).toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setKeyIdHeaderValue(kid);
        jws.setKey(new HmacKey(secret));
        jws.setDoKeyValidation(false);
        return jws.getCompactSerialization();
    }

    /** Correctly signed RS256, but by a key the JWKS does not have. */
    public static String unknownKid(String org) throws Exception {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("snk_unknown_" + System.nanoTime());
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims(org).toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setKey(key.getPrivateKey());
        return jws.getCompactSerialization();
    }

    public static String withClaims(String org, Map<String, Object> extra) {
        return sk().mintToken(TokenRequest.of("usr_x", org).withRoles("admin").withExtraClaims(extra));
    }
}

package dev.billbridge.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.billbridge.sandbox.scalekit.ScalekitSimulator;
import dev.billbridge.sandbox.support.Json;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SandboxMainTest {

    @Test
    void tokenCommandMintsThroughTheRunningSimulator() throws Exception {
        try (ScalekitSimulator sk = ScalekitSimulator.start()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = SandboxMain.run(new String[] {"token", "--env-url", sk.envUrl() + "/", "--oid", "org_7",
                    "--sub", "usr_7", "--roles", "admin,billing", "--ttl=120"}, Map.of(),
                    new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            assertEquals(0, rc);
            String token = out.toString(StandardCharsets.UTF_8).trim();
            JwtClaims claims = new JwtConsumerBuilder().setSkipSignatureVerification().setSkipAllValidators()
                    .build().processToClaims(token);
            assertEquals("org_7", claims.getStringClaimValue("oid"));
            assertEquals("usr_7", claims.getSubject());
            assertEquals(List.of("admin", "billing"), claims.getStringListClaimValue("roles"));
            assertEquals(120, claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue());
        }
    }

    @Test
    void tokenCommandNeedsAnEnvUrl() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, SandboxMain.run(new String[] {"token", "--oid", "org_1"}, Map.of(), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--env-url"));
        assertEquals(2, SandboxMain.run(new String[] {"bogus"}, Map.of(), System.out,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    }

    private static Process launch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx64m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SandboxMain.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String readyUrl(Process p, String name) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        String prefix = name + ": listening on ";
        assertTrue(line != null && line.startsWith(prefix), "ready line: " + line);
        return line.substring(prefix.length());
    }

    @Test
    void serversAnnounceTheirUrlAndExitWhenStdinClosesOrOnSigterm() throws Exception {
        Process cb = launch("chargebee", "--port", "0", "--api-key", "k_proc");
        Process sk = launch("scalekit", "--port=0");
        try {
            String cbUrl = readyUrl(cb, "chargebee");
            String skUrl = readyUrl(sk, "scalekit");
            HttpClient http = HttpClient.newHttpClient();
            JsonNode health = Json.parse(http.send(HttpRequest.newBuilder(URI.create(cbUrl + "/_sim/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(cbUrl + "/api/v2", health.get("api_base_url").asText());
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(skUrl + "/keys")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());

            cb.getOutputStream().close(); // the launcher went away
            assertTrue(cb.waitFor(10, TimeUnit.SECONDS), "exits when stdin closes");
            sk.destroy(); // SIGTERM
            assertTrue(sk.waitFor(10, TimeUnit.SECONDS), "exits on SIGTERM");
        } finally {
            cb.destroyForcibly();
            sk.destroyForcibly();
        }
    }
}

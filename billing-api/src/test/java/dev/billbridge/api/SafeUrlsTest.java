package dev.billbridge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import dev.billbridge.api.billing.SafeUrls;
import org.junit.jupiter.api.Test;

/** Plain unit test of the redirect rules (no Quarkus). */
class SafeUrlsTest {

    final SafeUrls urls = new SafeUrls("https://app.example/", List.of("/billing", "/settings/billing/"), "/billing");

    @Test
    void foreignOriginsInEveryDisguiseFallBackToTheDefault() {
        for (String s : List.of("//evil.example", "///evil.example", "https://evil.example", "http:evil.example",
                "/\\evil.example", "\\/evil.example", "\\\\evil.example", "%2F%2Fevil.example", "%2f%2fevil.example",
                "/%2Fevil.example", "/%2fevil.example", "/%5Cevil.example", "/%5cevil.example", "%252F%252Fevil.example",
                "/%25252F%25252Fevil.example", "/\tevil.example", "/\n/evil.example", " /billing", "/billing/../../evil",
                "/billing/%2E%2E/admin", "javascript:alert(1)", "billing", "", "/%", "/billingevil", "/other")) {
            assertEquals("/billing", urls.callbackOrDefault(s), s);
        }
        assertEquals("/billing", urls.callbackOrDefault(null));
    }

    @Test
    void allowlistedRelativePathsAreKept() {
        assertEquals("/billing", urls.callbackOrDefault("/billing"));
        assertEquals("/billing/done?x=1#top", urls.callbackOrDefault("/billing/done?x=1#top"));
        assertEquals("/billing?plan=pro+monthly", urls.callbackOrDefault("/billing?plan=pro+monthly"));
        assertEquals("/settings/billing", urls.callbackOrDefault("/settings/billing"));
        assertEquals("/settings/billing/x", urls.callbackOrDefault("/settings/billing/x"));
    }

    @Test
    void absoluteUrlsAreBuiltFromAppUrl() {
        assertEquals("https://app.example/billing", urls.absolute("/billing"));
        assertTrue(SafeUrls.relativePath("/anything/else?q=1").isPresent());
        assertTrue(SafeUrls.relativePath("https://app.example/billing").isEmpty());
    }
}

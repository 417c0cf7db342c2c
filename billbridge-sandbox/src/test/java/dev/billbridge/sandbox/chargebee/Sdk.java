package dev.billbridge.sandbox.chargebee;

import com.chargebee.Environment;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Test helpers: the SDK pointed at a simulator, and a browser-like client that does not follow redirects. */
final class Sdk {
    private Sdk() {
    }

    static Environment env(ChargebeeSimulator sim) {
        return env(sim, sim.apiKey());
    }

    static Environment env(ChargebeeSimulator sim, String apiKey) {
        String base = sim.apiBaseUrl();
        Environment env = new Environment(sim.site(), apiKey) {
            @Override
            public String apiBaseUrl() {
                return base;
            }
        };
        env.connectTimeout = 2000;
        env.readTimeout = 5000;
        return env;
    }

    static final HttpClient BROWSER = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    static HttpResponse<String> get(String url) throws Exception {
        return BROWSER.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What the Pay button's form does. */
    static HttpResponse<String> pay(String hostedPageUrl) throws Exception {
        return BROWSER.send(HttpRequest.newBuilder(URI.create(hostedPageUrl + "/pay"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> postJson(String url, String json) throws Exception {
        return BROWSER.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

package dev.billbridge.api;

import static io.restassured.RestAssured.given;

import java.net.URI;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Small helpers over RestAssured for the billing endpoints. */
final class Api {

    private Api() {
    }

    static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType("application/json").redirects().follow(false);
    }

    static Response create(String token, String body) {
        return as(token).body(body).post("/api/subscription/create");
    }

    /** Pays on the simulator's hosted page the way its Pay button does; returns the redirect target. */
    static String pay(String hostedPageUrl) {
        Response r = given().redirects().follow(false).post(hostedPageUrl + "/pay");
        if (r.statusCode() != 303) {
            throw new AssertionError("paying answered " + r.statusCode() + ": " + r.asString());
        }
        return r.header("Location");
    }

    /** Calls the app's own route named by an absolute APP_URL-based URL (path and query only). */
    static Response followToApp(String token, String absoluteUrl) {
        URI u = URI.create(absoluteUrl);
        String pathAndQuery = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        return given().auth().oauth2(token).redirects().follow(false).urlEncodingEnabled(false).get(pathAndQuery);
    }
}

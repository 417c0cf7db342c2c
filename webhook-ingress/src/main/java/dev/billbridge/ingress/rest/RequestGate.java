package dev.billbridge.ingress.rest;

import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.billbridge.ingress.config.IngressConfig;
import dev.billbridge.ingress.metrics.IngressMetrics;
import dev.billbridge.ingress.metrics.IngressMetrics.Outcome;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Rejects a webhook POST on its headers alone, before a byte of the body is read: 415 unless the
 * content type is JSON, 413 when the declared Content-Length is over the limit. It runs ahead of
 * Quarkus's own upload limit (which would answer 413 with an empty body), so every rejection carries
 * the JSON error. Chunked bodies without a length are bounded by quarkus.http.limits.max-body-size,
 * set to the same limit, and checked again in {@link WebhookResource}.
 */
@ApplicationScoped
public class RequestGate {

    private final long maxBodyBytes;
    private final IngressMetrics metrics;
    private final ObjectMapper mapper;

    public RequestGate(IngressConfig config, IngressMetrics metrics, ObjectMapper mapper) {
        this.maxBodyBytes = config.maxBodySize().asLongValue();
        this.metrics = metrics;
        this.mapper = mapper;
    }

    void install(@Observes Router router) {
        router.route(Sources.BASE + "/*").order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        String source = Sources.ofPath(ctx.normalizedPath());
        if (source == null || ctx.request().method() != HttpMethod.POST) {
            ctx.next();
            return;
        }
        if (!isJson(ctx.request().getHeader("Content-Type"))) {
            metrics.count(source, Outcome.UNSUPPORTED_MEDIA_TYPE);
            reject(ctx, 415, new ErrorBody("unsupported_media_type", "Content-Type must be application/json"));
            return;
        }
        String length = ctx.request().getHeader("Content-Length");
        if (length != null && tooLarge(length.strip())) {
            metrics.count(source, Outcome.TOO_LARGE);
            // the body is not read; closing the connection saves draining it
            ctx.response().putHeader("Connection", "close");
            reject(ctx, 413, new ErrorBody("payload_too_large", "the body is larger than " + maxBodyBytes + " bytes"));
            return;
        }
        ctx.next();
    }

    private boolean tooLarge(String length) {
        try {
            return Long.parseLong(length) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false; // Vert.x rejects a malformed Content-Length itself
        }
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json");
    }

    private void reject(RoutingContext ctx, int status, ErrorBody body) {
        String json;
        try {
            json = mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            json = "{\"error\":\"" + body.error() + "\"}";
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
    }
}

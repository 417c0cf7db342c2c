package dev.billbridge.ingress.rest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.ingress.config.IngressConfig;
import dev.billbridge.ingress.event.EventValidator;
import dev.billbridge.ingress.event.IncomingEvent;
import dev.billbridge.ingress.event.InvalidEvent;
import dev.billbridge.ingress.metrics.IngressMetrics;
import dev.billbridge.ingress.metrics.IngressMetrics.Outcome;
import dev.billbridge.ingress.publish.EventPublisher;
import dev.billbridge.ingress.verify.BasicAuthVerifier;
import dev.billbridge.ingress.verify.StandardWebhooksVerifier;
import dev.billbridge.ingress.verify.VerificationFailure;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

/**
 * The two webhook endpoints: authenticate, read just enough to route, publish the untouched bytes, and
 * answer 200 only once the broker has the record. Runs on the event loop: nothing here blocks.
 * Logging stays at DEBUG and never includes bodies, signatures or credentials.
 */
@Path(Sources.BASE)
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD) // RequestGate has already answered 415 to anything but JSON
public class WebhookResource {

    private static final Logger LOG = Logger.getLogger(WebhookResource.class);

    private final StandardWebhooksVerifier scalekitVerifier;
    private final BasicAuthVerifier chargebeeVerifier;
    private final EventValidator validator;
    private final EventPublisher publisher;
    private final IngressMetrics metrics;
    private final long maxBodyBytes;
    private final int retryAfterSeconds;
    private final Clock clock = Clock.systemUTC();

    public WebhookResource(IngressConfig config, EventPublisher publisher, IngressMetrics metrics, ObjectMapper mapper) {
        this.scalekitVerifier = new StandardWebhooksVerifier(config.scalekit().secrets().orElse(List.of()),
                config.scalekit().tolerance(), clock);
        this.chargebeeVerifier = new BasicAuthVerifier(config.chargebee().username().orElse(null),
                config.chargebee().password().orElse(null));
        this.validator = new EventValidator(mapper);
        this.publisher = publisher;
        this.metrics = metrics;
        this.maxBodyBytes = config.maxBodySize().asLongValue();
        this.retryAfterSeconds = config.retryAfterSeconds();
    }

    @POST
    @Path("/scalekit")
    public Uni<Response> scalekit(@Context HttpHeaders headers, byte[] body) {
        String source = EventHeaders.SOURCE_SCALEKIT;
        Instant receivedAt = clock.instant();
        if (body.length > maxBodyBytes) {
            return Uni.createFrom().item(tooLarge(source));
        }
        // header lookup is case-insensitive; repeated signature headers are joined like one list
        String id = first(headers, EventHeaders.WEBHOOK_ID);
        String timestamp = first(headers, EventHeaders.WEBHOOK_TIMESTAMP);
        List<String> sigs = headers.getRequestHeader(EventHeaders.WEBHOOK_SIGNATURE);
        String signature = sigs == null || sigs.isEmpty() ? null : String.join(" ", sigs);
        IncomingEvent event;
        try {
            scalekitVerifier.verify(id, timestamp, signature, body);
            Map<String, String> webhookHeaders = new LinkedHashMap<>();
            webhookHeaders.put(EventHeaders.WEBHOOK_ID, id);
            webhookHeaders.put(EventHeaders.WEBHOOK_TIMESTAMP, timestamp.strip());
            webhookHeaders.put(EventHeaders.WEBHOOK_SIGNATURE, signature);
            event = validator.scalekit(body, receivedAt, webhookHeaders);
        } catch (VerificationFailure f) {
            LOG.debugf("scalekit webhook rejected: %s", f.code());
            metrics.count(source, Outcome.UNAUTHORIZED);
            return Uni.createFrom().item(error(401, f.code(), f.getMessage()));
        } catch (InvalidEvent e) {
            return Uni.createFrom().item(badRequest(source, e));
        }
        return publish(event);
    }

    @POST
    @Path("/chargebee")
    public Uni<Response> chargebee(@Context HttpHeaders headers, byte[] body) {
        String source = EventHeaders.SOURCE_CHARGEBEE;
        Instant receivedAt = clock.instant();
        if (body.length > maxBodyBytes) {
            return Uni.createFrom().item(tooLarge(source));
        }
        IncomingEvent event;
        try {
            chargebeeVerifier.verify(first(headers, HttpHeaders.AUTHORIZATION));
            event = validator.chargebee(body, receivedAt);
        } catch (VerificationFailure f) {
            LOG.debugf("chargebee webhook rejected: %s", f.code());
            metrics.count(source, Outcome.UNAUTHORIZED);
            return Uni.createFrom().item(Response.fromResponse(error(401, f.code(), f.getMessage()))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"billbridge-webhooks\", charset=\"UTF-8\"")
                    .build());
        } catch (InvalidEvent e) {
            return Uni.createFrom().item(badRequest(source, e));
        }
        return publish(event);
    }

    private Uni<Response> publish(IncomingEvent event) {
        long start = System.nanoTime();
        return publisher.publish(event)
                .map(ignored -> {
                    metrics.publishTook(event.source(), Duration.ofNanos(System.nanoTime() - start));
                    metrics.count(event.source(), Outcome.ACCEPTED);
                    LOG.debugf("%s event %s (%s) published", event.source(), event.id(), event.type());
                    return Response.ok(Map.of("status", "published", "id", event.id())).build();
                })
                .onFailure().recoverWithItem(f -> {
                    metrics.publishTook(event.source(), Duration.ofNanos(System.nanoTime() - start));
                    metrics.count(event.source(), Outcome.UNAVAILABLE);
                    LOG.warnf("%s event %s not published, answering 503: %s", event.source(), event.id(), f.getMessage());
                    return Response.fromResponse(error(503, "unavailable", "the event could not be stored; retry later"))
                            .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds).build();
                });
    }

    private Response tooLarge(String source) {
        metrics.count(source, Outcome.TOO_LARGE);
        return error(413, "payload_too_large", "the body is larger than " + maxBodyBytes + " bytes");
    }

    private Response badRequest(String source, InvalidEvent e) {
        LOG.debugf("%s webhook rejected: %s", source, e.getMessage());
        metrics.count(source, Outcome.BAD_REQUEST);
        return error(400, "invalid_event", e.getMessage());
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(code, message)).build();
    }

    private static String first(HttpHeaders headers, String name) {
        List<String> values = headers.getRequestHeader(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}

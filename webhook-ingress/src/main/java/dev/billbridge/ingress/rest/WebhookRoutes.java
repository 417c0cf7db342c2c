package dev.billbridge.ingress.rest;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
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
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;

/**
 * The two webhook endpoints, as one plain Vert.x route on the event loop: check the headers (415, 413
 * before a byte of the body is read), read the body up to the limit, authenticate, read just enough to
 * route, publish the untouched bytes, and answer 200 only once the broker has the record (503 after the
 * publish timeout). Nothing here blocks.
 *
 * <p>Why not a JAX-RS resource (the first version): under load the RESTEasy Reactive machinery around
 * the method (request scope, context propagation, header maps, writer lookup, Jackson for a two-field
 * answer) cost more CPU than the work itself. The paths, statuses, headers and error bodies are the same.
 * Logging stays at DEBUG and never includes bodies, signatures or credentials.
 */
@ApplicationScoped
public class WebhookRoutes {

    private static final Logger LOG = Logger.getLogger(WebhookRoutes.class);

    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence WEBHOOK_ID = HttpHeaders.createOptimized(EventHeaders.WEBHOOK_ID);
    private static final CharSequence WEBHOOK_TIMESTAMP = HttpHeaders.createOptimized(EventHeaders.WEBHOOK_TIMESTAMP);
    private static final CharSequence WEBHOOK_SIGNATURE = HttpHeaders.createOptimized(EventHeaders.WEBHOOK_SIGNATURE);
    private static final String BASIC_CHALLENGE = "Basic realm=\"billbridge-webhooks\", charset=\"UTF-8\"";
    private static final byte[] OK_HEAD = "{\"status\":\"published\",\"id\":\"".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OK_TAIL = "\"}".getBytes(StandardCharsets.UTF_8);

    private final StandardWebhooksVerifier scalekitVerifier;
    private final BasicAuthVerifier chargebeeVerifier;
    private final EventValidator validator;
    private final EventPublisher publisher;
    private final IngressMetrics metrics;
    private final ObjectMapper mapper;
    private final long maxBodyBytes;
    private final long publishTimeoutMillis;
    private final String retryAfterSeconds;

    public WebhookRoutes(IngressConfig config, EventPublisher publisher, IngressMetrics metrics, ObjectMapper mapper) {
        Clock clock = Clock.systemUTC();
        this.scalekitVerifier = new StandardWebhooksVerifier(config.scalekit().secrets().orElse(List.of()),
                config.scalekit().tolerance(), clock);
        this.chargebeeVerifier = new BasicAuthVerifier(config.chargebee().username().orElse(null),
                config.chargebee().password().orElse(null));
        this.validator = new EventValidator(mapper);
        this.publisher = publisher;
        this.metrics = metrics;
        this.mapper = mapper;
        this.maxBodyBytes = config.maxBodySize().asLongValue();
        this.publishTimeoutMillis = Math.max(1, config.publishTimeout().toMillis());
        this.retryAfterSeconds = Integer.toString(config.retryAfterSeconds());
    }

    void install(@Observes Router router) {
        // ahead of Quarkus's own upload limit, which would answer 413 with an empty body
        router.route(Sources.BASE + "/*").order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        String source = Sources.ofPath(ctx.normalizedPath());
        if (source == null) {
            ctx.next();
            return;
        }
        HttpServerRequest req = ctx.request();
        if (req.method() != HttpMethod.POST) {
            ctx.response().putHeader(HttpHeaders.ALLOW, "POST");
            reject(ctx.response(), 405, "method_not_allowed", "only POST is accepted here");
            return;
        }
        if (!isJson(req.getHeader(HttpHeaders.CONTENT_TYPE))) {
            metrics.count(source, Outcome.UNSUPPORTED_MEDIA_TYPE);
            reject(ctx.response(), 415, "unsupported_media_type", "Content-Type must be application/json");
            return;
        }
        long declared = contentLength(req.getHeader(HttpHeaders.CONTENT_LENGTH));
        if (declared > maxBodyBytes) {
            metrics.count(source, Outcome.TOO_LARGE);
            // the body is not read; closing the connection saves draining it
            ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            reject(ctx.response(), 413, "payload_too_large", "the body is larger than " + maxBodyBytes + " bytes");
            return;
        }
        long receivedAt = System.currentTimeMillis();
        if (ctx.body().available()) { // a body handler installed by some extension has read it already
            Buffer b = ctx.body().buffer();
            process(ctx, source, receivedAt, b == null ? new byte[0] : b.getBytes());
            return;
        }
        new BodyReader(ctx, source, receivedAt, declared).start();
    }

    /** Collects the body up to the limit: a chunked body gets no further than a declared one. */
    private final class BodyReader implements Handler<Buffer> {
        private final RoutingContext ctx;
        private final String source;
        private final long receivedAt;
        private Buffer body;
        private boolean refused;

        BodyReader(RoutingContext ctx, String source, long receivedAt, long declared) {
            this.ctx = ctx;
            this.source = source;
            this.receivedAt = receivedAt;
            this.body = declared > 0 ? Buffer.buffer((int) declared) : null;
        }

        void start() {
            HttpServerRequest req = ctx.request();
            req.handler(this);
            req.endHandler(v -> {
                if (!refused) {
                    process(ctx, source, receivedAt, body == null ? new byte[0] : body.getBytes());
                }
            });
            req.resume();
        }

        @Override
        public void handle(Buffer chunk) {
            if (refused) {
                return;
            }
            if (body == null) {
                body = Buffer.buffer(Math.max(chunk.length(), 1024));
            }
            if (body.length() + (long) chunk.length() > maxBodyBytes) {
                refused = true;
                body = null;
                metrics.count(source, Outcome.TOO_LARGE);
                ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
                reject(ctx.response(), 413, "payload_too_large", "the body is larger than " + maxBodyBytes + " bytes");
                return;
            }
            body.appendBuffer(chunk);
        }
    }

    private void process(RoutingContext ctx, String source, long receivedAt, byte[] body) {
        HttpServerRequest req = ctx.request();
        IncomingEvent event;
        try {
            if (EventHeaders.SOURCE_SCALEKIT.equals(source)) {
                // header lookup is case-insensitive; repeated signature headers are joined like one list
                String id = req.getHeader(WEBHOOK_ID);
                String timestamp = req.getHeader(WEBHOOK_TIMESTAMP);
                List<String> sigs = req.headers().getAll(WEBHOOK_SIGNATURE);
                String signature = sigs.isEmpty() ? null : sigs.size() == 1 ? sigs.get(0) : String.join(" ", sigs);
                scalekitVerifier.verify(id, timestamp, signature, body);
                event = validator.scalekit(body, receivedAt, id, timestamp.strip(), signature);
            } else {
                chargebeeVerifier.verify(req.getHeader(HttpHeaders.AUTHORIZATION));
                event = validator.chargebee(body, receivedAt);
            }
        } catch (VerificationFailure f) {
            if (LOG.isDebugEnabled()) {
                LOG.debugf("%s webhook rejected: %s", source, f.code());
            }
            metrics.count(source, Outcome.UNAUTHORIZED);
            if (EventHeaders.SOURCE_CHARGEBEE.equals(source)) {
                ctx.response().putHeader("WWW-Authenticate", BASIC_CHALLENGE);
            }
            reject(ctx.response(), 401, f.code(), f.getMessage());
            return;
        } catch (InvalidEvent e) {
            if (LOG.isDebugEnabled()) {
                LOG.debugf("%s webhook rejected: %s", source, e.getMessage());
            }
            metrics.count(source, Outcome.BAD_REQUEST);
            reject(ctx.response(), 400, "invalid_event", e.getMessage());
            return;
        }
        new Pending(ctx.response(), event).start();
    }

    /**
     * One request waiting for the broker. Every transition runs on the request's event loop (the
     * acknowledgement is handed back to it), so the first of ack, failure and timeout answers and the
     * others find {@code answered} set.
     */
    private final class Pending implements Handler<Long> {
        private final HttpServerResponse response;
        private final IncomingEvent event;
        private final long start = System.nanoTime();
        private Context context;
        private long timer;
        private volatile boolean answered;

        Pending(HttpServerResponse response, IncomingEvent event) {
            this.response = response;
            this.event = event;
        }

        void start() {
            context = Vertx.currentContext();
            timer = context.owner().setTimer(publishTimeoutMillis, this);
            publisher.publish(event, () -> !answered, failure -> context.runOnContext(v -> acknowledged(failure)));
        }

        /** The publish timeout. */
        @Override
        public void handle(Long timerId) {
            if (!answered) {
                unavailable("no broker acknowledgement within " + publishTimeoutMillis + " ms");
            }
        }

        private void acknowledged(Throwable failure) {
            if (answered) {
                return;
            }
            context.owner().cancelTimer(timer);
            if (failure != null) {
                unavailable(failure.getMessage());
                return;
            }
            answered = true;
            metrics.publishTook(event.source(), System.nanoTime() - start);
            metrics.count(event.source(), Outcome.ACCEPTED);
            if (LOG.isDebugEnabled()) {
                LOG.debugf("%s event %s (%s) published", event.source(), event.id(), event.type());
            }
            byte[] id = JsonStringEncoder.getInstance().quoteAsUTF8(event.id());
            Buffer body = Buffer.buffer(OK_HEAD.length + id.length + OK_TAIL.length)
                    .appendBytes(OK_HEAD).appendBytes(id).appendBytes(OK_TAIL);
            send(response, 200, body);
        }

        private void unavailable(String why) {
            answered = true;
            metrics.publishTook(event.source(), System.nanoTime() - start);
            metrics.count(event.source(), Outcome.UNAVAILABLE);
            LOG.warnf("%s event %s not published, answering 503: %s", event.source(), event.id(), why);
            response.putHeader(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
            reject(response, 503, "unavailable", "the event could not be stored; retry later");
        }
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
        return type.toLowerCase(Locale.ROOT).equals("application/json");
    }

    private static long contentLength(String length) {
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return -1; // Vert.x rejects a malformed Content-Length itself
        }
    }

    private void reject(HttpServerResponse response, int status, String code, String message) {
        String json;
        try {
            json = mapper.writeValueAsString(new ErrorBody(code, message));
        } catch (JsonProcessingException e) {
            json = "{\"error\":\"" + code + "\"}";
        }
        send(response, status, Buffer.buffer(json));
    }

    private static void send(HttpServerResponse response, int status, Buffer body) {
        if (response.ended() || response.closed()) {
            return; // the client went away; nothing to answer
        }
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
    }
}

package dev.billbridge.ingress.publish;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.ingress.config.IngressConfig;
import dev.billbridge.ingress.event.IncomingEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Puts the raw body on the source's topic with a plain {@link KafkaProducer} (acks=all, idempotent) and
 * reports the broker's acknowledgement, or the failure, to a callback. The caller answers 2xx only on a
 * successful acknowledgement and bounds the wait itself (503 after the publish timeout). A record that
 * times out there may still reach the broker later; the sender's retry then duplicates it, which the
 * workers absorb (they deduplicate on the event id). That is the at-least-once side we choose.
 *
 * <p>Why not a SmallRye emitter (the first version): per record it cost a Message with metadata, a Mutiny
 * pipeline, context propagation, tracing, and a hand-off to the connector's sending thread, which woke
 * that thread for nearly every record; together more CPU than the HMAC, the JSON and the produce call.
 *
 * <p>{@code send} is called on the caller's thread (the HTTP event loop) only when it cannot block:
 * {@code KafkaProducer.send} blocks (up to {@code max.block.ms}) only while it has no metadata for the
 * topic or its buffer is full. Metadata is known once a record of the topic was acknowledged, and the
 * producer keeps it while the topic is used (metadata.max.idle.ms, 5 min), so a topic acknowledged within
 * the last {@link #FRESH_NANOS} is sent inline. Otherwise (start-up, a quiet topic, an outage at start)
 * the record goes through one dedicated thread that may block; a request that has meanwhile been answered
 * 503 is not sent there. A full buffer (the broker is not keeping up) fails at once: 503, retry later.
 */
@Startup
@ApplicationScoped
public class EventPublisher {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);

    /** Well inside the producer's metadata.max.idle.ms (5 min): the topic's metadata is still cached. */
    static final long FRESH_NANOS = Duration.ofSeconds(60).toNanos();
    /** Buffer kept free before a record is sent inline, beyond its own size (headers, batch overhead). */
    static final long BUFFER_HEADROOM = 64 * 1024;

    private static final String[] TOPICS = {Topics.SCALEKIT_EVENTS, Topics.CHARGEBEE_EVENTS};
    private static final byte[][] SOURCE_VALUES = {
            EventHeaders.SOURCE_SCALEKIT.getBytes(StandardCharsets.UTF_8),
            EventHeaders.SOURCE_CHARGEBEE.getBytes(StandardCharsets.UTF_8)};

    private final KafkaProducer<String, byte[]> producer;
    private final Metric bufferAvailable;
    private final ExecutorService blockingSends;
    /** System.nanoTime() of the last acknowledgement per topic; 0 = never. */
    private final AtomicLongArray lastAck = new AtomicLongArray(TOPICS.length);

    public EventPublisher(IngressConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.producer = new KafkaProducer<>(producerConfig(kafka, config.publishTimeout()));
        this.bufferAvailable = producer.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("buffer-available-bytes") && e.getKey().group().equals("producer-metrics"))
                .map(Map.Entry::getValue).findFirst().orElse(null);
        this.blockingSends = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ingress-kafka-blocking-send");
            t.setDaemon(true);
            return t;
        });
        // fetch the topics' metadata now, so the first requests already take the inline path
        for (int i = 0; i < TOPICS.length; i++) {
            int topic = i;
            blockingSends.execute(() -> {
                try {
                    producer.partitionsFor(TOPICS[topic]);
                    lastAck.set(topic, System.nanoTime());
                } catch (RuntimeException e) {
                    LOG.debugf("no metadata yet for %s: %s", TOPICS[topic], e.toString());
                }
            });
        }
    }

    /**
     * The producer settings that delivery depends on are fixed here; everything else comes from the
     * {@code kafka.*} configuration (bootstrap servers, security, tuning such as linger.ms), as for the
     * other services. A {@code kafka.*} setting that would weaken delivery fails the start.
     */
    static Map<String, Object> producerConfig(Map<String, Object> kafka, Duration publishTimeout) {
        Map<String, Object> p = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        requireUnset(p, ProducerConfig.ACKS_CONFIG, "all", "-1");
        requireUnset(p, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "webhook-ingress");
        // a send without metadata (or with a full buffer) waits no longer than a request may
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(publishTimeout.toMillis()));
        // come back quickly after a broker restart
        p.putIfAbsent(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        return p;
    }

    private static void requireUnset(Map<String, Object> p, String key, String... allowed) {
        Object v = p.get(key);
        if (v != null && java.util.Arrays.stream(allowed).noneMatch(a -> a.equalsIgnoreCase(v.toString().strip()))) {
            throw new IllegalStateException("kafka." + key + "=" + v + " would weaken delivery; the ingress needs "
                    + allowed[0]);
        }
    }

    /**
     * Sends the event; {@code done} is called exactly once, with null once the broker has acknowledged
     * the record, or with a {@link PublishFailed}. It may run on the producer's I/O thread: hand the
     * answer back to the request's own thread. {@code wanted} tells whether a send that had to wait for
     * the blocking thread is still worth making (false once the request was answered).
     */
    public void publish(IncomingEvent event, BooleanSupplier wanted, Consumer<Throwable> done) {
        int topic = EventHeaders.SOURCE_SCALEKIT.equals(event.source()) ? 0 : 1;
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(TOPICS[topic], null, event.key(), event.body(),
                headers(event, topic));
        long last = lastAck.get(topic);
        if (last != 0 && System.nanoTime() - last < FRESH_NANOS) {
            if (bufferAvailable != null && available() < event.body().length + BUFFER_HEADROOM) {
                done.accept(new PublishFailed("the producer's buffer is full: the broker is not keeping up", null));
                return;
            }
            send(topic, record, done);
        } else {
            blockingSends.execute(() -> {
                if (wanted.getAsBoolean()) {
                    send(topic, record, done);
                } else {
                    done.accept(new PublishFailed("answered before the producer had the topic's metadata", null));
                }
            });
        }
    }

    private double available() {
        Object v = bufferAvailable.metricValue();
        return v instanceof Number n ? n.doubleValue() : Double.MAX_VALUE;
    }

    private void send(int topic, ProducerRecord<String, byte[]> record, Consumer<Throwable> done) {
        try {
            producer.send(record, (metadata, failure) -> {
                if (failure == null) {
                    long now = System.nanoTime();
                    // one write per second is enough, and spares the cache line at high rates
                    if (now - lastAck.get(topic) > 1_000_000_000L) {
                        lastAck.set(topic, now);
                    }
                    done.accept(null);
                } else {
                    done.accept(new PublishFailed(failure.toString(), failure));
                }
            });
        } catch (RuntimeException e) {
            done.accept(new PublishFailed(e.toString(), e));
        }
    }

    private static RecordHeaders headers(IncomingEvent event, int topic) {
        RecordHeaders h = new RecordHeaders();
        h.add(EventHeaders.EVENT_ID, utf8(event.id()));
        h.add(EventHeaders.EVENT_TYPE, utf8(event.type()));
        h.add(EventHeaders.SOURCE, SOURCE_VALUES[topic]);
        h.add(EventHeaders.RECEIVED_AT, IsoMillis.format(event.receivedAtMillis()));
        if (event.webhookId() != null) {
            h.add(EventHeaders.WEBHOOK_ID, utf8(event.webhookId()));
            h.add(EventHeaders.WEBHOOK_TIMESTAMP, utf8(event.webhookTimestamp()));
            h.add(EventHeaders.WEBHOOK_SIGNATURE, utf8(event.webhookSignature()));
        }
        return h;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @PreDestroy
    void close() {
        blockingSends.shutdownNow();
        producer.close(Duration.ofSeconds(5));
    }

    /** ISO-8601 UTC with milliseconds ({@code 2026-11-24T00:41:05.123Z}); the date part is cached per second. */
    static final class IsoMillis {
        private static final ThreadLocal<IsoMillis> CACHE = ThreadLocal.withInitial(IsoMillis::new);
        private long second = Long.MIN_VALUE;
        private final byte[] text = new byte[24];

        static byte[] format(long epochMillis) {
            IsoMillis c = CACHE.get();
            long s = Math.floorDiv(epochMillis, 1000L);
            if (s != c.second) {
                byte[] prefix = LocalDateTime.ofEpochSecond(s, 0, ZoneOffset.UTC).toString().getBytes(StandardCharsets.US_ASCII);
                if (prefix.length != 16 && prefix.length != 19) { // years outside 0000-9999: no cache
                    return java.time.Instant.ofEpochMilli(epochMillis).toString().getBytes(StandardCharsets.US_ASCII);
                }
                // LocalDateTime omits ":00" seconds; ISO_INSTANT needs them
                System.arraycopy(prefix, 0, c.text, 0, 16);
                if (prefix.length == 19) {
                    System.arraycopy(prefix, 16, c.text, 16, 3);
                } else {
                    c.text[16] = ':';
                    c.text[17] = '0';
                    c.text[18] = '0';
                }
                c.text[19] = '.';
                c.text[23] = 'Z';
                c.second = s;
            }
            int ms = (int) Math.floorMod(epochMillis, 1000L);
            byte[] out = c.text.clone();
            out[20] = (byte) ('0' + ms / 100);
            out[21] = (byte) ('0' + ms / 10 % 10);
            out[22] = (byte) ('0' + ms % 10);
            return out;
        }
    }

    /** The record is not known to be in Kafka. */
    public static final class PublishFailed extends RuntimeException {
        public PublishFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

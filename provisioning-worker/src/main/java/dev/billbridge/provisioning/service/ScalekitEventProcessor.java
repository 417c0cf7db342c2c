package dev.billbridge.provisioning.service;

import java.util.List;
import java.util.Map;

import com.chargebee.models.Customer;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.core.billing.ProvisionCustomer;
import dev.billbridge.core.chargebee.ChargebeeFailure;
import dev.billbridge.provisioning.chargebee.CancelSubscriptions;
import dev.billbridge.provisioning.chargebee.ChargebeeCalls;
import dev.billbridge.provisioning.event.ScalekitEvent;
import dev.billbridge.provisioning.messaging.DeadLetters;
import dev.billbridge.provisioning.messaging.LifecyclePublisher;
import dev.billbridge.provisioning.service.OrganizationStore.Applied;
import dev.billbridge.provisioning.service.OrganizationStore.Decision;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * One Scalekit record, start to finish. The order matters:
 * <ol>
 *   <li>a short read-only look (already processed? deleted? stale?), so redeliveries cost no API call;</li>
 *   <li>the Chargebee calls, with no transaction open (they may wait out rate limits), each POST
 *       carrying the event id as idempotency key, so a redelivery replays rather than repeats them;</li>
 *   <li>one short transaction: re-check, change, and the message-log row;</li>
 *   <li>after the commit: the lifecycle record and the CDI event.</li>
 * </ol>
 * The record is acked when this returns. It throws only for unexpected failures (bugs), which
 * leave the record unacked; Chargebee failures that retries could not cure go to the DLQ.
 */
@ApplicationScoped
public class ScalekitEventProcessor {

    private static final Logger LOG = Logger.getLogger(ScalekitEventProcessor.class);

    private final ObjectMapper mapper;
    private final OrganizationStore store;
    private final DatabaseWait db;
    private final ProvisionCustomer provision;
    private final CancelSubscriptions cancelSubscriptions;
    private final LifecyclePublisher lifecycle;
    private final DeadLetters deadLetters;
    private final MeterRegistry registry;

    public ScalekitEventProcessor(ObjectMapper mapper, OrganizationStore store, DatabaseWait db,
                                  ProvisionCustomer provision, CancelSubscriptions cancelSubscriptions,
                                  LifecyclePublisher lifecycle, DeadLetters deadLetters, MeterRegistry registry) {
        this.mapper = mapper;
        this.store = store;
        this.db = db;
        this.provision = provision;
        this.cancelSubscriptions = cancelSubscriptions;
        this.lifecycle = lifecycle;
        this.deadLetters = deadLetters;
        this.registry = registry;
    }

    public void process(ConsumerRecord<String, byte[]> record) {
        ScalekitEvent e;
        try {
            e = ScalekitEvent.parse(record, mapper);
        } catch (ScalekitEvent.Unreadable u) {
            deadLetters.send(record, DeadLetters.Kind.UNREADABLE, "unreadable Scalekit event: " + u.getMessage(), u);
            count("unreadable", "dead_lettered");
            return;
        }
        if (!e.isOrganizationEvent()) {
            count(e.type(), "ignored");  // other Scalekit event types are not this worker's business
            return;
        }
        try {
            String outcome = switch (e.type()) {
                case ScalekitEvent.CREATED -> onCreated(e);
                case ScalekitEvent.UPDATED -> onUpdated(e);
                default -> onDeleted(e);
            };
            count(e.type(), outcome);
        } catch (RuntimeException ex) {
            if (!ChargebeeCalls.isSdkFailure(ex)) {
                throw ex;
            }
            ChargebeeFailure f = ChargebeeFailure.of(ex);
            DeadLetters.Kind kind = switch (f.kind()) {
                case SERVER_ERROR -> DeadLetters.Kind.CHARGEBEE_SERVER_ERROR;
                case NETWORK -> DeadLetters.Kind.CHARGEBEE_NETWORK;
                case NOT_FOUND -> DeadLetters.Kind.CHARGEBEE_NOT_FOUND;
                default -> DeadLetters.Kind.CHARGEBEE_CLIENT_ERROR;
            };
            String reason = "Chargebee " + f.kind() + (f.httpStatus() > 0 ? " HTTP " + f.httpStatus() : "")
                    + (f.apiErrorCode() != null ? " " + f.apiErrorCode() : "")
                    + (f.retryable() ? " (retries exhausted)" : "") + " on " + e.type() + " " + e.id();
            deadLetters.send(record, kind, reason, ex);
            count(e.type(), "dead_lettered");
        }
    }

    private String onCreated(ScalekitEvent e) {
        Decision d = db.call(() -> store.decide(e));
        switch (d.action()) {
            case ALREADY_PROCESSED -> {
                if (!d.deleted() && d.customerId() != null) {
                    // the crash may have come between commit and publish: publish again, same lifecycle id
                    lifecycle.customerCreated(e, d.customerId(), d.displayName(), false);
                }
                return "duplicate";
            }
            case SKIP -> {
                db.call(() -> store.recordOnly(e));
                return "skipped";
            }
            default -> {
                String name = d.stale() && d.displayName() != null ? d.displayName() : e.displayName();
                Customer c = provision.ensure(e.organizationId(), name, Map.of(), e.id());
                return linked(e, c);
            }
        }
    }

    private String onUpdated(ScalekitEvent e) {
        Decision d = db.call(() -> store.decide(e));
        switch (d.action()) {
            case ALREADY_PROCESSED -> {
                return "duplicate";
            }
            case SKIP -> {
                db.call(() -> store.recordOnly(e));
                return "skipped";
            }
            default -> {
                Customer c = d.stale()
                        // older than what we applied, but the customer is missing: create it under the newer name
                        ? provision.ensure(e.organizationId(), d.displayName() != null ? d.displayName() : e.displayName(), Map.of(), e.id())
                        // creates the customer if it was missed (404)
                        : provision.updateCompany(e.organizationId(), e.displayName(), e.id());
                return linked(e, c);
            }
        }
    }

    private String linked(ScalekitEvent e, Customer c) {
        Applied a = db.call(() -> store.applyCustomer(e, c.id()));
        if (!a.applied()) {
            return "duplicate";
        }
        if (a.newlyLinked()) {
            lifecycle.customerCreated(e, c.id(), a.displayName(), true);
        }
        return "applied";
    }

    private String onDeleted(ScalekitEvent e) {
        Decision d = db.call(() -> store.decide(e));
        switch (d.action()) {
            case ALREADY_PROCESSED -> {
                if (d.deleted()) {
                    lifecycle.organizationDeleted(e, d.deletedAt(), List.of(), false);
                }
                return "duplicate";
            }
            case SKIP -> {
                db.call(() -> store.recordOnly(e));
                return "skipped";
            }
            default -> {
                List<String> cancelled = cancelSubscriptions.cancelAllLive(e.organizationId(), e.id());
                Applied a = db.call(() -> store.applyDeleted(e));
                if (!a.applied()) {
                    return "duplicate";
                }
                if (!cancelled.isEmpty()) {
                    LOG.infof("organization %s deleted: cancelled %d Chargebee subscription(s)", e.organizationId(), cancelled.size());
                }
                lifecycle.organizationDeleted(e, a.deletedAt(), cancelled, true);
                return "applied";
            }
        }
    }

    private void count(String type, String outcome) {
        registry.counter("provisioning.events", "type", type, "outcome", outcome).increment();
    }
}

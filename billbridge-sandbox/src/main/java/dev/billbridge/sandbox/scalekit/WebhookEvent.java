package dev.billbridge.sandbox.scalekit;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An {@code organization.*} event the simulator sent (or is still retrying).
 *
 * @param id             the event id, also the {@code webhook-id} header
 * @param type           {@code organization.created}, {@code organization.updated} or {@code organization.deleted}
 * @param organizationId the organization concerned
 * @param payload        the exact JSON body that is signed and POSTed
 * @param body           the same body, parsed
 */
public record WebhookEvent(String id, String type, String organizationId, String payload, ObjectNode body) {
}

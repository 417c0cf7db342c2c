package dev.billbridge.api.error;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Every error body: a stable machine-readable code and a human-readable message. */
@Schema(name = "Error", description = "Every error answer has this body.")
public record ApiError(
        @Schema(description = "Stable, machine-readable code, e.g. unauthorized, forbidden, subscription_exists, chargebee_unavailable")
        String error,
        @Schema(description = "Human-readable explanation; never contains Chargebee internals") String message) {
}

package dev.billbridge.ingress.rest;

import dev.billbridge.core.events.EventHeaders;

/** Maps a request path to the webhook source it belongs to. */
final class Sources {

    static final String BASE = "/webhooks";
    static final String SCALEKIT_PATH = BASE + "/scalekit";
    static final String CHARGEBEE_PATH = BASE + "/chargebee";

    private Sources() {
    }

    /** The source for a request path, or null when it is not a webhook endpoint. */
    static String ofPath(String path) {
        if (path == null) {
            return null;
        }
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (p.equals(SCALEKIT_PATH)) {
            return EventHeaders.SOURCE_SCALEKIT;
        }
        if (p.equals(CHARGEBEE_PATH)) {
            return EventHeaders.SOURCE_CHARGEBEE;
        }
        return null;
    }
}

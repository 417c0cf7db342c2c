package dev.billbridge.ingress.event;

/** The body is authentic but not an event we can route: answered with 400. */
public final class InvalidEvent extends Exception {

    public InvalidEvent(String message) {
        super(message, null, false, false);
    }
}

package dev.billbridge.ingress.rest;

/** Every rejection answers {@code {"error": <stable code>, "message": <short human text>}}. */
public record ErrorBody(String error, String message) {
}

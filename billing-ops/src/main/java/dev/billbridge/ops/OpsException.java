package dev.billbridge.ops;

/** An expected failure: its message is the whole story for the operator (exit code 1, no stack trace). */
public class OpsException extends RuntimeException {

    public OpsException(String message) {
        super(message);
    }

    public OpsException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.billbridge.ingress.verify;

/** Why a webhook was not authenticated. The code goes into the 401 body and the metrics; never secrets. */
public final class VerificationFailure extends Exception {

    private final String code;

    public VerificationFailure(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

package dev.billbridge.ops;

import java.io.PrintWriter;

/**
 * A counter on stderr for long operations: one line at most every second (and a final one), so a
 * redirected stdout stays clean and a terminal shows the operation moving.
 */
final class Progress {

    private final PrintWriter err;
    private final String what;
    private final long total;
    private long done;
    private long lastPrint;

    Progress(PrintWriter err, String what, long total) {
        this.err = err;
        this.what = what;
        this.total = total;
    }

    void step(String detail) {
        done++;
        long now = System.nanoTime();
        if (now - lastPrint >= 1_000_000_000L || done == total) {
            lastPrint = now;
            print(detail);
        }
    }

    void finish(String detail) {
        print(detail);
    }

    private void print(String detail) {
        String count = total > 0 ? done + "/" + total : String.valueOf(done);
        String pct = total > 0 ? String.format(" (%d%%)", done * 100 / total) : "";
        err.println("  " + what + ": " + count + pct + (detail == null || detail.isEmpty() ? "" : "  " + detail));
        err.flush();
    }
}

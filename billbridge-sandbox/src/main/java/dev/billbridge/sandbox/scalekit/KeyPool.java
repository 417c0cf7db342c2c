package dev.billbridge.sandbox.scalekit;

import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.lang.JoseException;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * RSA-2048 key generation takes 0.2 to 4 s on a busy 2-core machine. One spare key is kept ready
 * in the background so that starting another simulator or rotating a key rarely waits for it.
 */
final class KeyPool {
    private static final int SPARES = 1;
    private static final LinkedBlockingQueue<RsaJsonWebKey> READY = new LinkedBlockingQueue<>();
    private static final ExecutorService GENERATOR = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "scalekit-sim-keygen");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });

    private KeyPool() {
    }

    static RsaJsonWebKey take() {
        RsaJsonWebKey k = READY.poll();
        if (k == null) {
            k = generate();
        }
        GENERATOR.execute(() -> {
            if (READY.size() < SPARES) {
                READY.add(generate());
            }
        });
        return k;
    }

    private static RsaJsonWebKey generate() {
        try {
            return RsaJwkGenerator.generateJwk(2048);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.billbridge.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;

/**
 * The floor under any HTTP ingress on this machine: the cheapest Vert.x exchange (the HTTP stack the
 * ingress runs on), reading the whole body and answering 202 with a small JSON, with no verification,
 * no validation and no Kafka. {@code bench/ingress-bench.sh} drives it with the same wrk script,
 * connections and requests as the ingress saturation phase, so what it reaches bounds what the
 * ingress can reach here with one event per request.
 *
 * <p>Usage: {@code HttpFloor <port>}; prints "listening" when ready.
 */
public final class HttpFloor {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int loops = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        for (int i = 0; i < loops; i++) {
            vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                    .requestHandler(req -> req.body().onSuccess(body -> req.response().setStatusCode(202)
                            .putHeader("content-type", "application/json").end("{\"status\":\"accepted\"}")))
                    .listen().toCompletionStage().toCompletableFuture().get();
        }
        System.out.println("listening on " + port);
        Thread.currentThread().join();
    }
}

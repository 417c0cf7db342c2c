package dev.billbridge.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/**
 * The same open-loop measurement as {@link ApiLoad}, on one thread with plain NIO: the request bytes
 * are built once, each keep-alive connection carries one request at a time, and an answer is read only
 * as far as its status line, Content-Length and body. It exists because the generator shares the two
 * cores with the app, the database and the broker: the Vert.x client cost about 100 µs of CPU per
 * request, which is CPU the app under test does not get. Latency is still counted from each request's
 * due time, so a request that waits for a free connection (or for this thread) is charged with the wait.
 *
 * <p>Usage: {@code NioLoad <url> <token> <expect> <rate:seconds>[,...]}; connections from env
 * {@code API_LOAD_CONNECTIONS} (default 32). Output lines as {@link ApiLoad}.
 */
public final class NioLoad {

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: NioLoad <url> <token> <expect> <rate:seconds>[,...]");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        int connections = Integer.parseInt(System.getenv().getOrDefault("API_LOAD_CONNECTIONS", "32"));
        String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                + "\r\nAuthorization: Bearer " + args[1] + "\r\nAccept: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] expect = args[2].getBytes(StandardCharsets.UTF_8);
        InetSocketAddress address = new InetSocketAddress(url.getHost(), url.getPort());
        for (String phase : args[3].split(",")) {
            String[] p = phase.trim().split(":");
            run(address, connections, request, expect, Integer.parseInt(p[0]), Integer.parseInt(p[1]), phase.trim());
        }
        System.out.printf(Locale.ROOT, "generator_cpu_s=%.1f%n", ProcessHandle.current().info().totalCpuDuration()
                .map(d -> d.toMillis() / 1000.0).orElse(-1.0));
    }

    /** One keep-alive connection; at most one request in flight. */
    static final class Conn {
        final SocketChannel ch;
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        ByteBuffer out;
        long due;
        boolean busy;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }
    }

    static void run(InetSocketAddress address, int n, byte[] request, byte[] expect, int rate, int seconds, String phase)
            throws IOException {
        Selector selector = Selector.open();
        ArrayDeque<Conn> idle = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open(address);
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            Conn c = new Conn(ch);
            ch.register(selector, 0, c);
            idle.add(c);
        }
        Histogram latency = new Histogram(3_600_000_000L, 3);
        long total = (long) rate * seconds;
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + 50_000_000L;
        long issued = 0;
        long ok = 0;
        long bad = 0;
        long errors = 0;
        long done = 0;
        long lastDone = start;
        ArrayDeque<Long> waiting = new ArrayDeque<>();
        long deadline = start + (seconds + 120L) * 1_000_000_000L;
        while (done < total && System.nanoTime() < deadline) {
            long now = System.nanoTime();
            while (issued < total && start + issued * interval <= now) {
                waiting.add(start + issued * interval);
                issued++;
            }
            while (!waiting.isEmpty() && !idle.isEmpty()) {
                Conn c = idle.poll();
                c.due = waiting.poll();
                c.busy = true;
                c.out = ByteBuffer.wrap(request);
                c.in.clear();
                c.ch.write(c.out);
                c.ch.keyFor(selector).interestOps(c.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            }
            // select() sleeps in whole milliseconds: requests due within the next ms go out at the next
            // wake-up, and that delay is charged to them (latency counts from the due time)
            long nextDue = issued < total ? start + issued * interval : Long.MAX_VALUE;
            if (nextDue <= System.nanoTime() && !idle.isEmpty()) {
                selector.selectNow();
            } else {
                selector.select(Math.max(1, Math.min(100, (nextDue - System.nanoTime()) / 1_000_000L)));
            }
            for (SelectionKey key : selector.selectedKeys()) {
                Conn c = (Conn) key.attachment();
                try {
                    if (key.isWritable()) {
                        c.ch.write(c.out);
                        if (!c.out.hasRemaining()) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                        continue;
                    }
                    if (key.isReadable()) {
                        int r = c.ch.read(c.in);
                        if (r < 0) {
                            throw new IOException("closed by the server");
                        }
                        int status = complete(c.in, expect);
                        if (status != 0) {
                            long t = System.nanoTime();
                            latency.recordValue(Math.max(0, (t - c.due) / 1000));
                            lastDone = t;
                            done++;
                            if (status == 200) {
                                ok++;
                            } else {
                                bad++;
                            }
                            c.busy = false;
                            key.interestOps(0);
                            idle.add(c);
                        }
                    }
                } catch (IOException e) {
                    errors++;
                    done++;
                    key.cancel();
                    c.ch.close();
                    SocketChannel ch = SocketChannel.open(address);
                    ch.configureBlocking(false);
                    Conn fresh = new Conn(ch);
                    ch.register(selector, 0, fresh);
                    idle.add(fresh);
                }
            }
            selector.selectedKeys().clear();
        }
        for (SelectionKey k : selector.keys()) {
            k.channel().close();
        }
        selector.close();
        double elapsed = Math.max((lastDone - start) / 1e9, seconds);
        System.out.printf(Locale.ROOT,
                "RESULT phase=%s target=%d achieved=%.0f ok=%d bad=%d errors=%d p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f detail={unanswered=%d}%n",
                phase, rate, ok / elapsed, ok, bad, errors, latency.getValueAtPercentile(50) / 1000.0,
                latency.getValueAtPercentile(99) / 1000.0, latency.getValueAtPercentile(99.9) / 1000.0,
                latency.getMaxValue() / 1000.0, total - done);
    }

    /**
     * 0 while the answer is incomplete; else its status, or -1 for a 200 whose body lacks {@code expect}.
     * Needs Content-Length (Quarkus sends it for these small JSON answers).
     */
    static int complete(ByteBuffer in, byte[] expect) {
        byte[] a = in.array();
        int len = in.position();
        int headerEnd = indexOf(a, 0, len, new byte[] {'\r', '\n', '\r', '\n'});
        if (headerEnd < 0) {
            return 0;
        }
        String head = new String(a, 0, headerEnd, StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(head.substring(9, 12));
        int cl = head.toLowerCase(Locale.ROOT).indexOf("content-length:");
        if (cl < 0) {
            throw new IllegalStateException("answer without Content-Length: " + head);
        }
        int eol = head.indexOf('\r', cl);
        int bodyLen = Integer.parseInt(head.substring(cl + 15, eol < 0 ? head.length() : eol).trim());
        int bodyStart = headerEnd + 4;
        if (len < bodyStart + bodyLen) {
            return 0;
        }
        if (status == 200 && indexOf(a, bodyStart, bodyStart + bodyLen, expect) < 0) {
            return -1;
        }
        return status;
    }

    static int indexOf(byte[] a, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (a[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

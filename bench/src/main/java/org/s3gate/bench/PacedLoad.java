package org.s3gate.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop HTTP/1.1 load at a fixed request rate, for latency below saturation (bench/e2e.sh,
 * rows {@code paced1k} and {@code paced1m}); closed-loop wrk cannot measure that, because a
 * slow answer delays the next request and hides itself (coordinated omission).
 *
 * <pre>java -cp bench/target/benchmarks.jar org.s3gate.bench.PacedLoad URL RATE SECONDS CONNECTIONS [WARMUP_SECONDS]</pre>
 *
 * The first WARMUP_SECONDS (default 0) are sent at the same rate but not recorded: they warm
 * this JVM's own JIT, which would otherwise show up as latency of the server under test.
 *
 * Request {@code i} is due at {@code start + i / RATE}, whatever happened before. Up to
 * CONNECTIONS keep-alive connections, one thread each, take the next due request from a shared
 * counter as soon as they are free; a request's latency is measured from its due time (not from
 * when a connection got to send it) to the last byte of its answer, so time spent waiting for a
 * free connection counts, which is the coordinated-omission correction. Latencies are kept in a
 * {@code long[]} of RATE x SECONDS entries (8 B per request: 8 MB for a million) and sorted once at
 * the end; no histogram rounding.
 *
 * Requests carry the same SigV4-shaped {@code Authorization} header as bench/s3-request.lua:
 * BENCH_KEYS keys (0 = no header) named BENCH_KEY_PREFIX + 12 digits.
 *
 * Prints one line: {@code due completed errors p50_ms p99_ms p999_ms max_ms achieved_per_s}.
 * An error (non-2xx answer, I/O failure) is counted and its connection reopened; it is not a latency.
 */
public final class PacedLoad {

  private static final String SCOPE = "/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature="
      + "0".repeat(64);

  private final String host;
  private final int port;
  private final String path;
  private final int keys;
  private final String prefix;
  private final long start;
  private final long intervalNanos;
  private final int total;
  private final int warmup;
  private final long[] latencies;
  private final AtomicLong next = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();

  private PacedLoad(URI uri, double rate, int warmup, int total) {
    this.host = uri.getHost();
    this.port = uri.getPort();
    this.path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    this.keys = Integer.parseInt(System.getenv().getOrDefault("BENCH_KEYS", "1000"));
    this.prefix = System.getenv().getOrDefault("BENCH_KEY_PREFIX", "AKIAHIGH");
    this.intervalNanos = Math.round(1e9 / rate);
    this.warmup = warmup;
    this.total = total;
    this.latencies = new long[total];
    Arrays.fill(latencies, -1);
    this.start = System.nanoTime() + 200_000_000L; // every connection is open by then
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4 && args.length != 5) {
      System.err.println("usage: PacedLoad URL RATE SECONDS CONNECTIONS [WARMUP_SECONDS]");
      System.exit(2);
    }
    URI uri = URI.create(args[0]);
    double rate = Double.parseDouble(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int connections = Integer.parseInt(args[3]);
    int warmupSeconds = args.length == 5 ? Integer.parseInt(args[4]) : 0;
    int warmup = (int) Math.round(rate * warmupSeconds);
    PacedLoad load = new PacedLoad(uri, rate, warmup, warmup + (int) Math.round(rate * seconds));
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      Thread t = new Thread(load::runConnection, "paced-" + c);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    load.report();
  }

  private void runConnection() {
    byte[] sink = new byte[64 * 1024];
    Socket socket = null;
    InputStream in = null;
    OutputStream out = null;
    while (true) {
      long i = next.getAndIncrement();
      if (i >= total) {
        break;
      }
      long due = start + i * intervalNanos;
      for (long wait; (wait = due - System.nanoTime()) > 0; ) {
        LockSupport.parkNanos(wait);
      }
      try {
        if (socket == null) {
          socket = new Socket();
          socket.setTcpNoDelay(true);
          socket.connect(new InetSocketAddress(host, port), 5_000);
          socket.setSoTimeout(30_000);
          in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
          out = socket.getOutputStream();
        }
        out.write(request(i));
        out.flush();
        int status = readResponse(in, sink);
        if (status / 100 == 2) {
          latencies[(int) i] = System.nanoTime() - due;
        } else if (i >= warmup) {
          errors.incrementAndGet();
        }
      } catch (IOException e) {
        if (i >= warmup) {
          errors.incrementAndGet();
        }
        closeQuietly(socket);
        socket = null;
      }
    }
    closeQuietly(socket);
  }

  private byte[] request(long i) {
    StringBuilder r = new StringBuilder(320).append("GET ").append(path).append(" HTTP/1.1\r\nHost: ")
        .append(host).append(':').append(port).append("\r\n");
    if (keys > 0) {
      r.append("Authorization: AWS4-HMAC-SHA256 Credential=").append(prefix)
          .append(String.format("%012d", i % keys)).append(SCOPE).append("\r\n");
    }
    return r.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Reads one answer (Content-Length or chunked body), discarding the body; returns the status. */
  private static int readResponse(InputStream in, byte[] sink) throws IOException {
    String statusLine = readLine(in);
    int status = Integer.parseInt(statusLine.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    for (String line; !(line = readLine(in)).isEmpty(); ) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("Content-Length")) {
        length = Long.parseLong(value);
      } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
        chunked = true;
      }
    }
    if (chunked) {
      for (long size; (size = Long.parseLong(readLine(in).split(";")[0].trim(), 16)) > 0; ) {
        skip(in, size, sink);
        readLine(in);
      }
      while (!readLine(in).isEmpty()) {
        // trailers
      }
    } else if (length > 0) {
      skip(in, length, sink);
    }
    return status;
  }

  private static void skip(InputStream in, long n, byte[] sink) throws IOException {
    while (n > 0) {
      int read = in.read(sink, 0, (int) Math.min(sink.length, n));
      if (read < 0) {
        throw new IOException("connection closed inside a body");
      }
      n -= read;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder(64);
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  private static void closeQuietly(Socket socket) {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing after a failure; nothing left to do with it
      }
    }
  }

  private void report() {
    long[] done = Arrays.stream(latencies, warmup, total).filter(l -> l >= 0).sorted().toArray();
    double seconds = (total - warmup) * intervalNanos / 1e9;
    System.out.printf("%d %d %d %.2f %.2f %.2f %.2f %.0f%n", total - warmup, done.length, errors.get(),
        ms(done, 0.50), ms(done, 0.99), ms(done, 0.999), done.length == 0 ? 0 : done[done.length - 1] / 1e6,
        done.length / seconds);
  }

  private static double ms(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }
}

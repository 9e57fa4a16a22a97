package org.s3gate.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A backend that refuses forged credentials the way S3 does (403 with an XML body naming
 * {@code SignatureDoesNotMatch}), but only when the test lets it: a request whose {@code Authorization}
 * carries {@link #FORGED_SIGNATURE} is held until {@link #release}, so forged requests stay in flight
 * (charged to the key they name, not yet refunded) for as long as the test needs. Every other request
 * is answered 200 with an empty body at once. This is the one behaviour a real S3 server does not
 * offer on demand: it refuses a bad signature in a millisecond.
 *
 * <p>Thread-safe: one acceptor thread, one thread per connection; the hold is a latch.
 */
final class RefusingBackend implements AutoCloseable {
  /** The SigV4 signature that marks a request as forged. */
  static final String FORGED_SIGNATURE = "f".repeat(64);
  private static final byte[] REFUSAL = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch"
      + "</Code><Message>The request signature we calculated does not match the signature you provided.</Message>"
      + "</Error>").getBytes(StandardCharsets.UTF_8);

  private final ServerSocket server;
  private volatile CountDownLatch released = new CountDownLatch(1);
  private final Semaphore held = new Semaphore(0);

  RefusingBackend() throws IOException {
    server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "refusing-backend");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Waits (at most {@code seconds}) until {@code count} forged requests are held; false if they did not arrive. */
  boolean awaitHeld(int count, long seconds) throws InterruptedException {
    boolean arrived = held.tryAcquire(count, seconds, TimeUnit.SECONDS);
    if (arrived) {
      held.release(count);
    }
    return arrived;
  }

  /** Holds forged requests again (after a {@link #release}), the count of held ones back at 0. */
  void hold() {
    held.drainPermits();
    released = new CountDownLatch(1);
  }

  /** Refuses the held forged requests, and every later one at once (until {@link #hold}). */
  void release() {
    released.countDown();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread handler = new Thread(() -> serve(socket), "refusing-backend-conn");
        handler.setDaemon(true);
        handler.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
      socket.setSoTimeout(30_000);
      while (true) {
        List<String> lines = RecordingBackend.readHead(in);
        if (lines == null || lines.isEmpty()) {
          return;
        }
        RecordingBackend.Recorded request = new RecordingBackend.Recorded(lines.get(0),
            List.copyOf(lines.subList(1, lines.size())));
        RecordingBackend.skipBody(in, request);
        String authorization = request.header("Authorization");
        if (authorization != null && authorization.contains("Signature=" + FORGED_SIGNATURE)) {
          CountDownLatch until = released;
          held.release();
          if (!until.await(30, TimeUnit.SECONDS)) {
            return; // the test ended without releasing: drop the connection
          }
          out.write(("HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: " + REFUSAL.length
              + "\r\nx-amz-request-id: REFUSED\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(REFUSAL);
        } else {
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-amz-request-id: SERVED\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
      }
    } catch (IOException ignored) {
      // client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws IOException {
    released.countDown();
    server.close();
  }
}

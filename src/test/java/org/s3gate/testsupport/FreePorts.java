package org.s3gate.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for the servers a test starts (Jetty, s3proxy, redis-server), taken from below the kernel's
 * ephemeral range.
 *
 * <p>Why not {@code new ServerSocket(0)}: that hands out a port of the ephemeral range, and between
 * closing the probe and the child process binding it, any outgoing connection on the machine (the
 * gateway's own to its backend, a client's) may be given the same port as its local end; the child
 * then fails with "Address already in use" (CI saw it in TlsIT). Outgoing connections never take a
 * port below {@code ip_local_port_range}, so a port probed free there stays free unless another test
 * takes it; this class hands each port out once per JVM, from a random start so two JVMs on one
 * machine rarely meet.
 *
 * <p>Thread-safe.
 */
public final class FreePorts {
  private static final int LOWEST = 10_000;
  private static final int FALLBACK_EPHEMERAL_LOW = 32_768; // Linux's default
  private static final int ATTEMPTS = 500;
  private static final int SPAN = ephemeralLow() - LOWEST;
  private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(Math.max(1, SPAN)));

  private FreePorts() {}

  /** A port of 127.0.0.1 that was free a moment ago and that this JVM has not handed out before. */
  public static int next() {
    if (SPAN < 1_000) { // an odd kernel setting leaves no room below the ephemeral range
      return probeEphemeral();
    }
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port = LOWEST + Math.floorMod(NEXT.getAndIncrement(), SPAN);
      if (isFree(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port of 127.0.0.1 in " + ATTEMPTS + " tries from " + LOWEST);
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  private static int probeEphemeral() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lower end of the kernel's ephemeral port range (Linux), or Linux's default where it cannot be read. */
  private static int ephemeralLow() {
    try {
      String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
      return Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException unreadable) {
      return FALLBACK_EPHEMERAL_LOW;
    }
  }
}

package org.s3gate.backend;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;

/**
 * One S3 server the gateway forwards to, its role (primary or backup) and its health as last
 * observed by the active health check or by a failed connect.
 *
 * <p>Health rules (HAProxy's): a backend starts as up and takes the result of its first check
 * directly; after that, {@code rise} consecutive passed checks bring a down backend up and
 * {@code fall} consecutive failed checks take an up backend down. A refused connect on a client
 * request takes it down at once and restarts its count of passed checks, so it must pass
 * {@code rise} checks in a row to come back.
 *
 * <p>Thread-safe: the address is final; the state machine's methods are {@code synchronized} (the
 * health thread and, rarely, request threads that saw a connect fail); the request path only reads
 * the volatile {@link Health}, which is replaced as one immutable value on every change.
 */
public final class Backend {
  /** Primary backends take traffic; backups only while every primary is down. */
  public enum Role {
    PRIMARY, BACKUP;

    /** {@code "primary"} or {@code "backup"}, as shown on the health endpoint and in metrics. */
    public String label() {
      return this == PRIMARY ? "primary" : "backup";
    }
  }

  /**
   * Health as one immutable value, so readers never see a state paired with another's reason.
   * {@code lastError} is the reason of the last failed check or connect while it is not up again.
   */
  public record Health(boolean up, Instant since, String lastError) {}

  private static final long RESPONSE_RESOLUTION_NANOS = 100_000_000L;

  private final URI url;
  private final Role role;
  private final int index;
  private final String scheme;
  private final String host;
  private final int port;
  private final String origin;
  private final URI requestBase;
  private volatile Health health;
  /** Whether a proxied request ever got a response; {@link #lastResponseNanos} is meaningless before. */
  private volatile boolean answered;
  /** When a proxied request last got a response, to within {@link #RESPONSE_RESOLUTION_NANOS}. */
  private volatile long lastResponseNanos;
  /** How long the last completed health check took; -1 before the first. */
  private volatile long lastCheckNanos = -1;
  // Confined to synchronized methods.
  private boolean checkedOnce;
  private int passesInRow;
  private int failuresInRow;

  Backend(URI url, Role role, int index) {
    if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
      throw new IllegalArgumentException("backend URL '" + url + "' must be http://host[:port] or https://host[:port]");
    }
    this.url = url;
    this.role = role;
    this.index = index;
    this.scheme = url.getScheme();
    this.host = url.getHost();
    this.port = url.getPort() > 0 ? url.getPort() : ("https".equals(scheme) ? 443 : 80);
    this.origin = scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    this.requestBase = requestBase(host, port);
    this.health = new Health(true, Instant.now(), null);
  }

  public URI url() {
    return url;
  }

  public Role role() {
    return role;
  }

  /** Position in {@link BackendPool#backends()} (primaries first), for per-backend arrays. */
  public int index() {
    return index;
  }

  public String scheme() {
    return scheme;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /**
   * {@code http://host:port} as a parsed URI, the base the proxy builds each forwarded request on
   * (its scheme, path and query set after): what Jetty's {@code HttpClient.newRequest(host, port)}
   * would build and parse for every request (an origin, its text and a {@code URI}), built once.
   */
  public URI requestBase() {
    return requestBase;
  }

  private static URI requestBase(String host, int port) {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    try {
      // as Jetty's origin text: no port when it is http's 80; the IPv6 literal bracketed by URI
      return new URI("http", null, bare, port == 80 ? -1 : port, null, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("backend host '" + host + "' is not a URI host", e);
    }
  }

  /** {@code scheme://host:port}, the prefix of every forwarded target. */
  public String origin() {
    return origin;
  }

  public Health health() {
    return health;
  }

  /**
   * Notes that a proxied request got a response at {@code nowNanos}. Called on every response, so
   * it writes the shared field only when the stored time is older than the resolution (a volatile
   * read on the request path, a write at most ten times a second).
   */
  public void recordResponse(long nowNanos) {
    if (!answered) {
      lastResponseNanos = nowNanos;
      answered = true; // written after the time, so a reader that sees it true sees a real time
    } else if (nowNanos - lastResponseNanos > RESPONSE_RESOLUTION_NANOS) {
      lastResponseNanos = nowNanos;
    }
  }

  /** Whether a proxied request got a response within {@code windowNanos} before {@code nowNanos}. */
  boolean respondedWithin(long windowNanos, long nowNanos) {
    return answered && nowNanos - lastResponseNanos <= windowNanos;
  }

  /** How long the last completed active health check took (passed or failed), or -1 before the first. */
  public long lastCheckNanos() {
    return lastCheckNanos;
  }

  /** Notes how long an active health check took ({@link BackendHealthChecker}, once per check). */
  void checkTook(long durationNanos) {
    lastCheckNanos = durationNanos;
  }

  public boolean isUp() {
    return health.up();
  }

  /**
   * Records one active check. Returns true when this call changed the state.
   *
   * @param failure null when the check passed, else why it failed
   */
  synchronized boolean recordCheck(String failure, int rise, int fall, Instant now) {
    Health current = health;
    if (failure == null) {
      passesInRow++;
      failuresInRow = 0;
      boolean first = !checkedOnce;
      checkedOnce = true;
      if (!current.up() && (first || passesInRow >= rise)) {
        health = new Health(true, now, null);
        return true;
      }
      if (current.up() && current.lastError() != null) {
        health = new Health(true, current.since(), null);
      }
      return false;
    }
    failuresInRow++;
    passesInRow = 0;
    boolean first = !checkedOnce;
    checkedOnce = true;
    if (current.up() && (first || failuresInRow >= fall)) {
      health = new Health(false, now, failure);
      return true;
    }
    health = new Health(current.up(), current.since(), failure);
    return false;
  }

  /** Passive ejection: a client request could not connect. Returns true when this call changed the state. */
  public synchronized boolean markDown(String reason, Instant now) {
    Health current = health;
    passesInRow = 0;
    checkedOnce = true;
    health = new Health(false, current.up() ? now : current.since(), reason);
    return current.up();
  }

  @Override
  public String toString() {
    return origin;
  }
}

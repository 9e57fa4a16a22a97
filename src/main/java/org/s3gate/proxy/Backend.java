package org.s3gate.proxy;

import java.net.URI;
import java.time.Instant;

/**
 * One S3 server the gateway forwards to, with its health as last observed (by the active health
 * check or by a failed connect).
 *
 * <p>Thread-safe: the address is final; the health fields are volatile and written only through
 * {@link #markHealthy()} and {@link #markDown(String)}, each of which publishes one consistent
 * {@link Health} object.
 */
public final class Backend {
  /** Health as one immutable value, so readers never see a state paired with another's reason. */
  public record Health(boolean up, Instant since, String lastError) {}

  private final URI url;
  private final String scheme;
  private final String host;
  private final int port;
  private final String origin;
  private volatile Health health;

  Backend(URI url) {
    if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
      throw new IllegalArgumentException("backend URL '" + url + "' must be http://host[:port] or https://host[:port]");
    }
    this.url = url;
    this.scheme = url.getScheme();
    this.host = url.getHost();
    this.port = url.getPort() > 0 ? url.getPort() : ("https".equals(scheme) ? 443 : 80);
    this.origin = scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    this.health = new Health(true, Instant.now(), null);
  }

  public URI url() {
    return url;
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

  /** {@code scheme://host:port}, the prefix of every forwarded target. */
  public String origin() {
    return origin;
  }

  public Health health() {
    return health;
  }

  public boolean isUp() {
    return health.up();
  }

  /** Returns true when this call changed the state. */
  boolean markHealthy() {
    if (health.up()) {
      return false;
    }
    health = new Health(true, Instant.now(), null);
    return true;
  }

  /** Returns true when this call changed the state. */
  boolean markDown(String reason) {
    Health current = health;
    health = new Health(false, current.up() ? Instant.now() : current.since(), reason);
    return current.up();
  }

  @Override
  public String toString() {
    return origin;
  }
}

package org.s3gate.jetty;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.InetAddressSet;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a new connection whose client IP opened more than {@code ip.limit.connections}
 * connections in the last {@code ip.window}, at accept: before the TLS handshake, before any byte
 * is read, before any connection factory (TLS, HTTP) runs. The per-IP rule of the HAProxy policy
 * ({@code tcp-request connection reject if { sc_conn_rate gt N }}) that a servlet filter cannot
 * enforce, because it only sees requests after the connection has cost the server a handshake.
 *
 * <h2>Design</h2>
 * Jetty only (jetty-base module {@code s3gate-connection-limit}). A bean of the server that, when
 * started, adds itself as a {@link SelectorManager.AcceptListener} to every {@link ServerConnector}
 * (HTTP and HTTPS). Jetty calls {@link #onAccepting} on the acceptor thread right after
 * {@code accept()}, before it registers the channel with a selector; closing the channel there
 * makes the registration fail, so no endpoint or connection is ever created and the client sees a
 * close (FIN, or a reset if it had sent data) with no byte from the server, no ServerHello.
 *
 * <p>Settings come from the webapp, which is the one place that parses {@code gateway.properties}
 * (all or nothing): it calls {@link #configure} over the platform MBean server
 * ({@code s3gate:type=ConnectionLimiter}) for every configuration it publishes, and reads
 * {@link #getRejected} when its metrics are scraped. Until the webapp has configured it, or with a
 * limit of 0, nothing is tracked and every connection is accepted. The one setting of its own,
 * {@code s3gate.connectionLimit.maxTrackedIps} (jetty-base), bounds its table
 * ({@link ConnectionCounts}: what happens when it is full). On Tomcat the MBean is absent and the
 * webapp does without it.
 *
 * <p>Cost per accepted connection: one {@code getRemoteAddress()}, one hash lookup and a short
 * monitor on the IP's entry; nothing while the rule is off.
 *
 * <p>Thread-safe: the settings are one immutable {@link Config} in a volatile field, replaced
 * whole; the counts are {@link ConnectionCounts}'s; the totals are {@link LongAdder}s.
 */
public final class ConnectionRateLimiter extends AbstractLifeCycle
    implements SelectorManager.AcceptListener, ConnectionRateLimiterMXBean {
  // Registered through a delegate, not as itself: Jetty's MBeanContainer (jmx module) registers the
  // beans of every container, this one too once it is a selector manager's listener, and JMX
  // refuses one MXBean object under two names (InstanceAlreadyExistsException naming the other).
  /** The MBean's name in the platform MBean server. */
  public static final String OBJECT_NAME = "s3gate:type=ConnectionLimiter";

  private static final System.Logger LOG = System.getLogger(ConnectionRateLimiter.class.getName());
  private static final long MIN_WINDOW_MILLIS = 100;
  private static final int IPV6_BITS = 128;

  /** One consistent set of settings and the counts kept for them. Immutable but for the counts. */
  private record Config(int limit, long windowMillis, boolean shadow, List<String> allowlistText,
      InetAddressSet allowlist, int ipv6PrefixBits, ConnectionCounts counts) {}

  private final Server server;
  private final int maxTrackedIps;
  private volatile Config config;
  private final LongAdder rejected = new LongAdder();
  private final LongAdder shadowRejected = new LongAdder();
  private Scheduler.Task sweep;
  private ObjectName registered;

  /** @param maxTrackedIps the most client IPs tracked at once (>= 1) */
  public ConnectionRateLimiter(Server server, int maxTrackedIps) {
    if (maxTrackedIps < 1) {
      throw new IllegalArgumentException("s3gate.connectionLimit.maxTrackedIps must be >= 1, was " + maxTrackedIps);
    }
    this.server = server;
    this.maxTrackedIps = maxTrackedIps;
    this.config = new Config(0, 10_000, false, List.of(), new InetAddressSet(), IPV6_BITS,
        new ConnectionCounts(maxTrackedIps, TimeUnit.MILLISECONDS.toNanos(10_000)));
  }

  @Override
  protected void doStart() throws Exception {
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector network) {
        network.getSelectorManager().addEventListener(this);
      }
    }
    registered = register();
    scheduleSweep();
    super.doStart();
  }

  @Override
  protected void doStop() throws Exception {
    Scheduler.Task task = sweep;
    if (task != null) {
      task.cancel();
    }
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector network) {
        network.getSelectorManager().removeEventListener(this);
      }
    }
    if (registered != null) {
      try {
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(registered);
      } catch (InstanceNotFoundException gone) {
        // unregistered already
      }
      registered = null;
    }
    super.doStop();
  }

  private ObjectName register() throws JMException {
    MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = new ObjectName(OBJECT_NAME);
    try {
      mbeans.registerMBean(Management.described(this), name);
    } catch (InstanceAlreadyExistsException e) {
      mbeans.unregisterMBean(name); // left by an earlier start of this server in the same JVM
      mbeans.registerMBean(Management.described(this), name);
    }
    return name;
  }

  /** Drops idle IPs once per window, so the table holds only IPs seen recently. */
  private void scheduleSweep() {
    Config c = config;
    sweep = server.getScheduler().schedule(() -> {
      try {
        config.counts().expireIdle(System.nanoTime());
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "connection-rate table sweep failed", e);
      } finally {
        if (isRunning()) {
          scheduleSweep();
        }
      }
    }, c.windowMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void onAccepting(SelectableChannel channel) {
    Config c = config;
    if (c.limit() <= 0 || !(channel instanceof SocketChannel socket)) {
      return;
    }
    InetAddress ip = remoteIp(socket);
    if (ip == null || c.allowlist().test(ip)) {
      return;
    }
    if (c.counts().tryAcquire(countedAs(ip, c.ipv6PrefixBits()), c.limit(), System.nanoTime())) {
      return;
    }
    if (c.shadow()) {
      shadowRejected.increment();
      return;
    }
    rejected.increment();
    try {
      socket.close(); // before registration: Jetty's accept then fails quietly, no endpoint is made
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing a rejected connection failed", e);
    }
  }

  /**
   * The address {@code ip}'s connections are counted under: an IPv6 address's network of
   * {@code ipv6PrefixBits} (its host bits cleared), as the webapp's per-IP rules count it, so a
   * client cannot open its connections from fresh addresses of its /64; IPv4 as it is.
   */
  static InetAddress countedAs(InetAddress ip, int ipv6PrefixBits) {
    if (!(ip instanceof Inet6Address) || ipv6PrefixBits >= IPV6_BITS) {
      return ip;
    }
    byte[] bytes = ip.getAddress();
    for (int bit = ipv6PrefixBits; bit < IPV6_BITS; bit++) {
      bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (java.net.UnknownHostException impossible) {
      throw new IllegalStateException(impossible); // 16 bytes are always an address
    }
  }

  /** How {@link #connectionRates} names a counted address: an IPv6 network with its {@code /BITS}. */
  private static String nameOf(InetAddress counted, int ipv6PrefixBits) {
    String text = counted.getHostAddress();
    return counted instanceof Inet6Address && ipv6PrefixBits < IPV6_BITS ? text + "/" + ipv6PrefixBits : text;
  }

  private static InetAddress remoteIp(SocketChannel socket) {
    try {
      SocketAddress remote = socket.getRemoteAddress();
      return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    } catch (IOException e) {
      return null; // closed already
    }
  }

  @Override
  public void configure(int limit, long windowMillis, boolean shadow, String[] allowlist, int ipv6PrefixBits) {
    if (limit < 0 || windowMillis < MIN_WINDOW_MILLIS || ipv6PrefixBits < 1 || ipv6PrefixBits > IPV6_BITS) {
      throw new IllegalArgumentException("limit must be >= 0, windowMillis >= " + MIN_WINDOW_MILLIS
          + " and ipv6PrefixBits 1..128: " + limit + ", " + windowMillis + ", " + ipv6PrefixBits);
    }
    List<String> blocks = allowlist == null ? List.of() : List.of(allowlist);
    InetAddressSet set = new InetAddressSet();
    for (String block : blocks) {
      set.add(block); // literals and CIDR blocks only (the webapp validated them); a bad one throws
    }
    Config old = config;
    if (old.limit() == limit && old.windowMillis() == windowMillis && old.shadow() == shadow
        && old.allowlistText().equals(blocks) && old.ipv6PrefixBits() == ipv6PrefixBits) {
      return;
    }
    // counts taken per other networks or another window mean nothing under the new ones
    ConnectionCounts counts = old.windowMillis() == windowMillis && old.ipv6PrefixBits() == ipv6PrefixBits
        ? old.counts() : new ConnectionCounts(maxTrackedIps, TimeUnit.MILLISECONDS.toNanos(windowMillis));
    config = new Config(limit, windowMillis, shadow, blocks, set, ipv6PrefixBits, counts);
    LOG.log(System.Logger.Level.INFO, "connection-rate rule: {0} new connections per {1} ms and client IP{2}{3}",
        limit == 0 ? "off (0)" : String.valueOf(limit), windowMillis, shadow ? ", shadow mode (counted, never closed)" : "",
        blocks.isEmpty() ? "" : ", " + blocks.size() + " allow-listed blocks");
  }

  @Override
  public int getLimit() {
    return config.limit();
  }

  @Override
  public long getWindowMillis() {
    return config.windowMillis();
  }

  @Override
  public boolean isShadow() {
    return config.shadow();
  }

  @Override
  public String[] getAllowlist() {
    return config.allowlistText().toArray(String[]::new);
  }

  @Override
  public long getRejected() {
    return rejected.sum();
  }

  @Override
  public long getShadowRejected() {
    return shadowRejected.sum();
  }

  @Override
  public int getTrackedIps() {
    return config.counts().size();
  }

  @Override
  public int getCapacity() {
    return maxTrackedIps;
  }

  @Override
  public long getUntracked() {
    return config.counts().untracked();
  }

  @Override
  public Map<String, Integer> connectionRates() {
    Config c = config;
    return c.counts().rates(System.nanoTime(), ip -> nameOf(ip, c.ipv6PrefixBits()));
  }

  @Override
  public int clearAll() {
    return config.counts().clearAll();
  }

  @Override
  public long getEvictions() {
    return config.counts().evictions();
  }

  @Override
  public boolean clearIp(String ip) {
    try {
      // an address, or a network as connectionRates names it (ADDRESS/BITS: its counted form)
      String address = ip == null ? null : ip.replaceFirst("/[0-9]{1,3}$", "");
      // literals only, so getByName never asks DNS: IPv4 digits and dots, or IPv6 (with a ':')
      boolean literal = address != null
          && (address.matches("[0-9.]+") || (address.indexOf(':') >= 0 && address.matches("[0-9A-Fa-f:.]+")));
      if (!literal) {
        return false;
      }
      Config c = config;
      return c.counts().clear(countedAs(InetAddress.getByName(address), c.ipv6PrefixBits()));
    } catch (IOException e) {
      return false;
    }
  }

  /** The MXBean registered as {@link #OBJECT_NAME}: every call goes to the limiter. Thread-safe as it is. */
  private static final class Management implements ConnectionRateLimiterMXBean {
    private final ConnectionRateLimiter limiter;

    Management(ConnectionRateLimiter limiter) {
      this.limiter = limiter;
    }

    /** What JConsole shows for each attribute, operation and parameter (instead of p0, p1, ...). */
    private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
        Map.entry("Limit", "New connections one client IP may open per window (ip.limit.connections); 0 = off"),
        Map.entry("WindowMillis", "The sliding window of the connection counts, in milliseconds (ip.window)"),
        Map.entry("Shadow", "Whether over-limit connections are only counted (mode=shadow), not closed"),
        Map.entry("Allowlist", "Blocks of allowlist.lst, whose connections are never counted or closed"),
        Map.entry("Rejected", "Connections closed at accept since the server started"),
        Map.entry("ShadowRejected", "Connections that would have been closed in shadow mode since the server started"),
        Map.entry("TrackedIps", "Client IPs tracked now"),
        Map.entry("Capacity", "Most client IPs tracked at once (s3gate.connectionLimit.maxTrackedIps)"),
        Map.entry("Untracked", "Connections counted in the shared overflow budget because the table of IPs was"
            + " full of IPs at their limit"),
        Map.entry("Evictions", "IPs under their limit evicted to make room in the full table"),
        Map.entry("clearAll", "Forgets every client IP's connection counts; returns how many were tracked"),
        Map.entry("configure", "Replaces every setting at once; the webapp calls it for each configuration it"
            + " publishes, so a change made here lasts until the next reload"),
        Map.entry("connectionRates", "Each tracked client IP's new connections in the current window"),
        Map.entry("clearIp", "Forgets one client IP's connection counts; true if it was tracked"));
    private static final Map<String, String[]> PARAMETERS = Map.of(
        "configure", new String[] {"limit", "windowMillis", "shadow", "allowlist", "ipv6PrefixBits"},
        "clearIp", new String[] {"ip"});
    private static final Map<String, String> PARAMETER_DESCRIPTIONS = Map.of(
        "limit", "New connections per window and client IP, 0 = off",
        "windowMillis", "The window in milliseconds, at least 100",
        "shadow", "true: count over-limit connections instead of closing them",
        "allowlist", "IP literals or CIDR blocks never limited",
        "ipv6PrefixBits", "IPv6 clients are counted per network of this many bits, 1..128 (ip.ipv6.prefix)",
        "ip", "A client IP literal, e.g. 192.0.2.7 or 2001:db8::1, or a network as connectionRates shows it");

    /** The MXBean with descriptions and parameter names, as JConsole shows them. */
    static javax.management.StandardMBean described(ConnectionRateLimiter limiter) {
      return new javax.management.StandardMBean(new Management(limiter), ConnectionRateLimiterMXBean.class, true) {
        @Override
        protected String getDescription(javax.management.MBeanInfo info) {
          return "s3gate's connection-rate rejection at accept (Jetty server component, jetty-base module"
              + " s3gate-connection-limit), configured by the webapp from gateway.properties";
        }

        @Override
        protected String getDescription(javax.management.MBeanAttributeInfo info) {
          return DESCRIPTIONS.getOrDefault(info.getName(), info.getName());
        }

        @Override
        protected String getDescription(javax.management.MBeanOperationInfo info) {
          return DESCRIPTIONS.getOrDefault(info.getName(), info.getName());
        }

        @Override
        protected String getParameterName(javax.management.MBeanOperationInfo op,
            javax.management.MBeanParameterInfo param, int sequence) {
          String[] names = PARAMETERS.get(op.getName());
          return names != null && sequence < names.length ? names[sequence] : param.getName();
        }

        @Override
        protected String getDescription(javax.management.MBeanOperationInfo op, javax.management.MBeanParameterInfo param,
            int sequence) {
          String name = getParameterName(op, param, sequence);
          return PARAMETER_DESCRIPTIONS.getOrDefault(name, name);
        }
      };
    }

    @Override
    public int getLimit() {
      return limiter.getLimit();
    }

    @Override
    public long getWindowMillis() {
      return limiter.getWindowMillis();
    }

    @Override
    public boolean isShadow() {
      return limiter.isShadow();
    }

    @Override
    public String[] getAllowlist() {
      return limiter.getAllowlist();
    }

    @Override
    public long getRejected() {
      return limiter.getRejected();
    }

    @Override
    public long getShadowRejected() {
      return limiter.getShadowRejected();
    }

    @Override
    public int getTrackedIps() {
      return limiter.getTrackedIps();
    }

    @Override
    public int getCapacity() {
      return limiter.getCapacity();
    }

    @Override
    public long getUntracked() {
      return limiter.getUntracked();
    }

    @Override
    public void configure(int limit, long windowMillis, boolean shadow, String[] allowlist, int ipv6PrefixBits) {
      limiter.configure(limit, windowMillis, shadow, allowlist, ipv6PrefixBits);
    }

    @Override
    public Map<String, Integer> connectionRates() {
      return limiter.connectionRates();
    }

    @Override
    public boolean clearIp(String ip) {
      return limiter.clearIp(ip);
    }

    @Override
    public int clearAll() {
      return limiter.clearAll();
    }

    @Override
    public long getEvictions() {
      return limiter.getEvictions();
    }
  }
}

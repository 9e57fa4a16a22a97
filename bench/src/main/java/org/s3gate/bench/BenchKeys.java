package org.s3gate.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.s3gate.config.ConfigReloader;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.s3gate.policy.Allowlist;
import org.s3gate.policy.Cidr;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.policy.PolicySnapshot;

/**
 * Test data for the benchmarks: distinct 20-character access keys that look like AWS ones, the
 * SigV4 {@code Authorization} header each would send, and a policy snapshot that maps every key
 * to one group. Everything is derived from the key's index, so runs are reproducible.
 *
 * <p>Keys are {@code "AKIA"} followed by 16 base-32 characters: 13 encode a bijective 64-bit mix
 * of the index (so keys are distinct and not sequential), 3 more come from a second mix. Headers
 * are what the AWS SDK sends for a GET, about 200 characters, signature included.
 *
 * <p>Thread-safe: stateless.
 */
final class BenchKeys {

  /** Length of every generated key, as AWS access key ids have. */
  static final int KEY_LENGTH = 20;

  private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private BenchKeys() {}

  /** The access key of index {@code i}; distinct for distinct {@code i}. */
  static String accessKey(int i) {
    char[] key = new char[KEY_LENGTH];
    key[0] = 'A';
    key[1] = 'K';
    key[2] = 'I';
    key[3] = 'A';
    long bits = mix(i);
    for (int c = 4; c < 17; c++) {
      key[c] = BASE32[(int) (bits & 31)];
      bits >>>= 5;
    }
    long more = mix(~i);
    for (int c = 17; c < KEY_LENGTH; c++) {
      key[c] = BASE32[(int) (more & 31)];
      more >>>= 5;
    }
    return new String(key);
  }

  /** {@code n} distinct keys, index order. */
  static String[] accessKeys(int n) {
    String[] keys = new String[n];
    for (int i = 0; i < n; i++) {
      keys[i] = accessKey(i);
    }
    return keys;
  }

  /** The SigV4 Authorization header an AWS SDK sends for a GET signed with {@code accessKey}. */
  static String sigV4Authorization(String accessKey) {
    StringBuilder signature = new StringBuilder(64);
    long bits = mix(accessKey.hashCode());
    for (int c = 0; c < 64; c++) {
      if (c % 16 == 0) {
        bits = mix(bits + c);
      }
      signature.append(HEX[(int) (bits & 15)]);
      bits >>>= 4;
    }
    return "AWS4-HMAC-SHA256 Credential=" + accessKey + "/20250830/us-east-1/s3/aws4_request, "
        + "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;host;x-amz-content-sha256;"
        + "x-amz-date, Signature=" + signature;
  }

  /** Every key of {@code keys} in group {@code group} with the given limits; defaults otherwise. */
  static PolicySnapshot snapshot(String[] keys, String group, int limitPerSecond,
      int limitPerMinute) {
    return snapshot(keys, group, limitPerSecond, limitPerMinute, false);
  }

  /** As above; with {@code readClass}, the group also has {@code GROUP:read} limits of the same size. */
  static PolicySnapshot snapshot(String[] keys, String group, int limitPerSecond, int limitPerMinute,
      boolean readClass) {
    return snapshot(keys, group, limitPerSecond, limitPerMinute, readClass, settings());
  }

  /** As above, with the given settings (e.g. {@link #settings(String)} with {@code trusted.proxies}). */
  static PolicySnapshot snapshot(String[] keys, String group, int limitPerSecond, int limitPerMinute,
      boolean readClass, GatewaySettings settings) {
    Map<String, String> keyGroups = new HashMap<>(keys.length * 4 / 3 + 1);
    for (String key : keys) {
      keyGroups.put(key, group);
    }
    Map<String, Integer> perMinute = new HashMap<>(Map.of(group, limitPerMinute));
    Map<String, Integer> perSecond = new HashMap<>(Map.of(group, limitPerSecond));
    if (readClass) {
      perMinute.put(group + ":read", limitPerMinute);
      perSecond.put(group + ":read", limitPerSecond);
    }
    return PolicySnapshot.of(1, settings, keyGroups, perMinute, perSecond, Map.of(group, "Rate_limit_exceeded"),
        Map.of());
  }

  /** {@code snapshot} with {@code blocks} allow-listed /24 blocks of 10.0.0.0/8 (never the bench client 127.0.0.1). */
  static PolicySnapshot withAllowlist(PolicySnapshot snapshot, int blocks) {
    List<Cidr> list = new ArrayList<>();
    for (int i = 0; i < blocks; i++) {
      list.add(Cidr.parse("10.0." + i + ".0/24"));
    }
    return PolicySnapshot.of(snapshot.version(), snapshot.settings(), snapshot.keyGroups(), snapshot.limitsPerMinute(),
        snapshot.limitsPerSecond(), snapshot.errorMessages(), snapshot.concurrentRequests(), snapshot.bucketLimits(),
        snapshot.dimensions(), new Allowlist(list));
  }

  /** {@code snapshot} with {@code mode=shadow}, loaded through the real configuration path. */
  static PolicySnapshot inShadowMode(PolicySnapshot snapshot) {
    GatewaySettings shadow = settings("mode=shadow\n");
    return PolicySnapshot.of(snapshot.version(), shadow, snapshot.keyGroups(), snapshot.limitsPerMinute(),
        snapshot.limitsPerSecond(), snapshot.errorMessages(), snapshot.concurrentRequests());
  }

  /** The built-in defaults (count.denied=false), loaded through the real configuration path. */
  static GatewaySettings settings() {
    return settings("");
  }

  /** The built-in defaults with {@code lines} of gateway.properties over them. */
  static GatewaySettings settings(String lines) {
    try {
      Path dir = Files.createTempDirectory("s3gate-bench-conf");
      Files.writeString(dir.resolve("gateway.properties"), "reload.interval=1h\n" + lines);
      try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
        return config.store().current().settings();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A random permutation of {@code 0..n-1} from a fixed seed: the order keys are requested in. */
  static int[] shuffledOrder(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** SplitMix64's finalizer: a bijection on 64-bit values. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}

package org.s3gate.policy;

import java.util.ArrayList;
import java.util.List;

/** Builds RawFiles from "key value" lines (line numbers = position, blank lines skipped). */
final class PolicyTestFiles {

  private PolicyTestFiles() {}

  static RawFile file(String name, String... lines) {
    List<RawEntry> entries = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.isBlank()) {
        continue;
      }
      int space = line.indexOf(' ');
      entries.add(space < 0 ? new RawEntry(line, "", i + 1)
          : new RawEntry(line.substring(0, space), line.substring(space + 1), i + 1));
    }
    return new RawFile(name, entries);
  }

  static RawFile defaults() {
    return file("gateway-defaults.properties",
        "default.group unknown",
        "anonymous.group",
        "post.identify.max_bytes 64KiB",
        "default.limit.per_minute 50",
        "default.limit.per_second 5",
        "default.limit.concurrent 32",
        "default.error_message Rate_limit_exceeded",
        "deny.status 429",
        "count.denied false",
        "limit.methods",
        "headers.enabled true",
        "table.size 100000",
        "table.expire 2m",
        "reload.interval 1s",
        "exempt.paths /minio/health/live,/minio/health/ready,/minio/health/cluster,/minio/health/cluster/read",
        "reload.max_file_bytes 16MiB",
        "admin.allow 127.0.0.1/8,::1/128",
        "trusted.proxies",
        "backend.urls http://127.0.0.1:9000",
        "backend.health.path /minio/health/live",
        "backend.backup.urls",
        "backend.max_connections 256",
        "backend.health.interval 1s",
        "backend.health.timeout 1s",
        "backend.health.rise 2",
        "backend.health.fall 3",
        "request.min_rate 1024",
        "response.min_rate 1024",
        "min_rate.window 10s",
        "access.log.enabled true",
        "access.log.format client=$client key=$key decision=$decision",
        "access.log.file",
        "s3.domain",
        "limit.timezone UTC",
        "counters.store local",
        "redis.uri",
        "redis.timeout 20ms",
        "redis.failure local",
        "cluster.instances 1",
        "security.hsts max-age=31536000",
        "security.header.X-Content-Type-Options nosniff",
        "ip.table.size 200000",
        "ip.table.expire 30m",
        "ip.window 10s",
        "ip.error.statuses 400,401,403",
        "ip.limit.requests 0",
        "ip.tarpit.requests 200",
        "ip.tarpit.errors 50",
        "ip.ipv6.prefix 64",
        "tarpit.delay 5s",
        "tarpit.max 1000",

        "mode enforce",
        "allowlist.skip_key_limits false",
        "inform.backend false",
        "ip.limit.connections 0");
  }

  static PolicySources sources(RawFile gateway, RawFile keys, RawFile perMinute, RawFile perSecond, RawFile messages) {
    return new PolicySources(defaults(), gateway, keys, perMinute, perSecond, messages, null);
  }

  static PolicySources demo() {
    return sources(file("gateway.properties"),
        file("api_key_groups.map", "K1 premium", "K2 standard", "K3 basic"),
        file("rate_limits_per_minute.map", "premium 2000", "standard 500", "basic 100"),
        file("rate_limits_per_second.map", "premium 50", "standard 25", "basic 10"),
        file("error_messages.map", "premium Premium rate limit exceeded", "standard Standard", "basic Basic"));
  }
}

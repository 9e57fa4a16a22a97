package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's attacks on the configuration path, replayed against the real stack (Jetty + WAR +
 * s3proxy, edits through the real {@code bin/s3gate-admin} over JMX), each showing it no longer
 * works: a lone CR that made an edit hit the wrong line (item 3), a message starting with
 * {@code =}, NUL bytes trimmed silently and an empty {@code admin.allow} that locked everyone out
 * without a word (item 12); a map linked to {@code /dev/zero} that ended hot reload for good, a
 * FIFO that made {@code s3gate-admin} hang, and a file over {@code reload.max_file_bytes} (item 9).
 *
 * <p>Not thread-safe: JUnit runs its tests one after the other; each restores what it changed.
 */
class ConfigHardeningIT {
  private static final String PREMIUM_KEY = "5HQZO7EDOM4XBNO642GQ";
  private static final String STANDARD_KEY = "VSLP8GUZ6SPYILLLGHJ0";
  private static final String BASIC_KEY = "FQ4IU19ZFZ3470XJ7GBF";

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void startStack() throws Exception {
    backend = S3Backend.start("config-hardening-it-backend");
    gateway = Gateway.builder("config-hardening-it-gateway", backend.url()).start();
  }

  @AfterAll
  static void stopStack() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  private static AdminProcess.Run admin(String... args) throws Exception {
    return AdminProcess.admin(gateway.jmxPort, gateway.adminEnvironment(), args);
  }

  private static Path conf(String file) {
    return gateway.confDir.resolve(file);
  }

  private static String lastAuditLine() throws Exception {
    List<String> lines = Files.readAllLines(conf("audit.log"));
    return lines.get(lines.size() - 1);
  }

  /** Writes {@code text} into a map and has the gateway load it now (as the trigger would within 1 s). */
  private static void writeAndReload(String file, String text) throws Exception {
    Files.writeString(conf(file), text);
    admin("reload").assertOk();
  }

  @Test
  void removeKey_mapWithLoneCrInComment_removesOnlyThatKey_andAuditNamesTheEntry() throws Exception {
    String original = Files.readString(conf("api_key_groups.map"));
    try {
      // The attack: one bare CR in a comment; remove-key of the standard key used to delete the basic key's line.
      writeAndReload("api_key_groups.map", "# demo keys\r# (a lone CR ends the line above)\n"
          + PREMIUM_KEY + " premium\n" + STANDARD_KEY + " standard\n" + BASIC_KEY + " basic\n");

      AdminProcess.Run remove = admin("remove-key", STANDARD_KEY);

      remove.assertOk();
      assertThat(Files.readString(conf("api_key_groups.map"))).isEqualTo("# demo keys\r# (a lone CR ends the line"
          + " above)\n" + PREMIUM_KEY + " premium\n" + BASIC_KEY + " basic\n");
      assertThat(SigV4Requests.get(gateway.url(), "/cr-bucket", BASIC_KEY).headers().firstValue("X-RateLimit-Group"))
          .hasValue("basic");
      assertThat(SigV4Requests.get(gateway.url(), "/cr-bucket", STANDARD_KEY).headers()
          .firstValue("X-RateLimit-Group")).hasValue("unknown");
      assertThat(lastAuditLine()).contains("op=del key=" + STANDARD_KEY
          + " old=standard new=-").endsWith(" removed=\"line 4: " + STANDARD_KEY + " standard\"");
    } finally {
      writeAndReload("api_key_groups.map", original);
    }
  }

  @Test
  void setMessage_mapWithLoneCrs_replacesThatGroupsMessageOnly() throws Exception {
    String original = Files.readString(conf("error_messages.map"));
    try {
      writeAndReload("error_messages.map", "# messages\rpremium Premium rate limit exceeded\r"
          + "standard Standard rate limit exceeded\rbasic Basic rate limit exceeded\r");

      admin("set-message", "premium", "X").assertOk();

      assertThat(Files.readString(conf("error_messages.map"))).isEqualTo("# messages\rpremium X\r"
          + "standard Standard rate limit exceeded\rbasic Basic rate limit exceeded\r");
      AdminProcess.Run config = admin("show-config");
      config.assertOk();
      assertThat(config.out()).containsPattern("(?m)^premium +2000 +50  X$")
          .containsPattern("(?m)^standard +500 +25  Standard rate limit exceeded$");
    } finally {
      writeAndReload("error_messages.map", original);
    }
  }

  @Test
  void setMessage_valueStartingWithEquals_storedEscapedAndReadBackExactly() throws Exception {
    String messages = Files.readString(conf("error_messages.map"));
    try {
      AdminProcess.Run set = admin("set-message", "basic", "=x");

      set.assertOk();
      assertThat(set.out()).contains("-> =x (version ");
      assertThat(Files.readString(conf("error_messages.map"))).contains("\nbasic \\=x\n");
      admin("set-minute-limit", "basic", "0").assertOk();
      HttpResponse<String> denied = SigV4Requests.get(gateway.url(), "/eq-bucket", BASIC_KEY);
      assertThat(denied.statusCode()).isEqualTo(429);
      assertThat(denied.body()).contains("<Message>=x (0 requests/minute per API key)</Message>");
    } finally {
      admin("set-minute-limit", "basic", "100").assertOk();
      writeAndReload("error_messages.map", messages);
    }
  }

  @Test
  void reload_mapWithNulBytes_rejectedNamingFileAndLine_previousLimitStays() throws Exception {
    String original = Files.readString(conf("rate_limits_per_second.map"));
    try {
      Files.writeString(conf("rate_limits_per_second.map"), original.replace("basic 10", "basic 1\0\0"));

      AdminProcess.Run reload = admin("reload");

      reload.assertOneLineFailure(1, "contains the control character U+0000");
      assertThat(reload.err()).containsPattern("rate_limits_per_second\\.map:\\d+: contains the control character");
      assertThat(SigV4Requests.get(gateway.url(), "/nul-bucket", BASIC_KEY).headers()
          .firstValue("X-RateLimit-Limit-Per-Second")).hasValue("10");
    } finally {
      writeAndReload("rate_limits_per_second.map", original);
    }
  }

  @Test
  void emptyAdminAllow_loadsWithAWarning_andAdminEndpointsAnswer403() throws Exception {
    try (Gateway closed = Gateway.builder("config-hardening-it-closed-admin", backend.url())
        .setting("admin.allow", "").expectHealthStatus(403).start()) {
      assertThat(closed.output()).contains("admin.allow is empty: /_s3gate/ answers 403 to every client");
      assertThat(SigV4Requests.status(closed.url(), "/_s3gate/metrics", BASIC_KEY)).isEqualTo(403);
    }
  }

  private static HttpResponse<String> adminGet(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Polls {@code /_s3gate/health} until its body contains {@code text}; false after 20 s. */
  private static boolean healthWithin20s(String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (adminGet("/_s3gate/health").body().contains(text)) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  private static String limitPerSecond(String key) throws Exception {
    return SigV4Requests.get(gateway.url(), "/reload-bucket", key).headers().firstValue("X-RateLimit-Limit-Per-Second")
        .orElse("");
  }

  @Test
  void mapLinkedToDevZero_refusedNamingIt_andLaterEditsStillHotReload() throws Exception {
    Path messages = conf("error_messages.map");
    String original = Files.readString(messages);
    Path perSecond = conf("rate_limits_per_second.map");
    String limits = Files.readString(perSecond);
    try {
      // The attack: the gateway read /dev/zero until OutOfMemoryError, which ended hot reload for good.
      Files.delete(messages);
      Files.createSymbolicLink(messages, Path.of("/dev/zero"));
      assertThat(healthWithin20s("not a regular file (a character device, a link to /dev/zero)"))
          .as("health lists the refused file: %s", adminGet("/_s3gate/health").body()).isTrue();
      assertThat(adminGet("/_s3gate/health").body()).contains("\"status\":\"UP\"", "\"reload\":{\"state\":\"OK\"");

      Files.delete(messages);
      Files.writeString(messages, original);
      Files.writeString(perSecond, limits.replace("basic 10", "basic 9"));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!limitPerSecond(BASIC_KEY).equals("9") && System.nanoTime() - deadline < 0) {
        Thread.sleep(100);
      }
      assertThat(limitPerSecond(BASIC_KEY)).as("an edit on disk after the attack is hot-reloaded").isEqualTo("9");
      assertThat(healthWithin20s("\"reload\":{\"state\":\"OK\"")).isTrue();
      assertThat(adminGet("/_s3gate/health").body()).doesNotContain("\"errors\"");
    } finally {
      Files.deleteIfExists(messages);
      Files.writeString(messages, original);
      writeAndReload("rate_limits_per_second.map", limits);
    }
  }

  @Test
  void fifoInConf_adminEditFailsAtOnceNamingIt_insteadOfHanging() throws Exception {
    Path messages = conf("error_messages.map");
    String original = Files.readString(messages);
    try {
      // The attack: a FIFO blocked the reload's read, which held the lock every edit needs (s3gate-admin hung).
      Files.delete(messages);
      Process mkfifo = new ProcessBuilder("mkfifo", messages.toString()).inheritIO().start();
      assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).as("mkfifo").isTrue();

      AdminProcess.Run edit = admin("set-minute-limit", "basic", "5");

      edit.assertOneLineFailure(1, "not a regular file (a FIFO)");
      assertThat(edit.err()).contains("refused, nothing changed");
      assertThat(healthWithin20s("not a regular file (a FIFO)")).isTrue();
      assertThat(adminGet("/_s3gate/health").body()).contains("\"reload\":{\"state\":\"OK\"");
    } finally {
      Files.deleteIfExists(messages);
      writeAndReload("error_messages.map", original);
    }
    admin("set-minute-limit", "basic", "100").assertOk();
  }

  @Test
  void mapOverReloadMaxFileBytes_refusedNamingTheCap() throws Exception {
    Path keys = conf("api_key_groups.map");
    String original = Files.readString(keys);
    Path settings = conf("gateway.properties");
    String gatewayProperties = Files.readString(settings);
    try {
      assertThat(gatewayProperties).contains("\nreload.max_file_bytes=16MiB\n");
      writeAndReload("gateway.properties", gatewayProperties.replace("\nreload.max_file_bytes=16MiB\n",
          "\nreload.max_file_bytes=1KiB\n"));
      Files.writeString(keys, original + "# padding\n".repeat(200));

      AdminProcess.Run reload = admin("reload");

      reload.assertOneLineFailure(1, "over reload.max_file_bytes (1024 bytes)");
      assertThat(reload.err()).contains("api_key_groups.map: cannot read");
    } finally {
      Files.writeString(keys, original);
      writeAndReload("gateway.properties", gatewayProperties);
    }
  }

  @Test
  void reloadState_shownInHealthMetricsAndJmx() throws Exception {
    assertThat(adminGet("/_s3gate/health").body())
        .containsPattern("\"reload\":\\{\"state\":\"OK\",\"lastCheck\":\"\\d{4}-\\d\\d-\\d\\dT[^\"]+Z\""
            + "(,\"checkingSince\":\"[^\"]+\")?,\"failures\":0");
    assertThat(adminGet("/_s3gate/metrics").body()).contains("s3gate_config_reload_stuck 0.0",
        "s3gate_config_reload_trigger_failures_total 0.0", "s3gate_config_reload_last_check_timestamp_seconds ");
    AdminProcess.Run info = admin("info");
    info.assertOk();
    assertThat(info.out()).containsPattern("(?m)^hot reload: +OK, last check \\d{4}-\\d\\d-\\d\\dT\\S+Z$");
  }
}

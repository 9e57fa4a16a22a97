package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's attacks on the configuration path, replayed against the real stack (Jetty + WAR +
 * s3proxy, edits through the real {@code bin/s3gate-admin} over JMX), each showing it no longer
 * works: a lone CR that made an edit hit the wrong line (item 3), a message starting with
 * {@code =}, NUL bytes trimmed silently and an empty {@code admin.allow} that locked everyone out
 * without a word (item 12).
 *
 * <p>Not thread-safe: JUnit runs its tests one after the other; each restores what it changed.
 */
class ConfigHardeningIT {
  private static final String PREMIUM_KEY = "5HQZO7EDOM4XBNO642GQ";
  private static final String STANDARD_KEY = "VSLP8GUZ6SPYILLLGHJ0";
  private static final String BASIC_KEY = "FQ4IU19ZFZ3470XJ7GBF";

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
}

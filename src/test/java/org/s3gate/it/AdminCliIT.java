package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.s3gate.testsupport.FreePorts;

/**
 * {@code bin/s3gate-admin} end to end: the script run as a process against the real gateway over
 * JMX, its output, what it changes on disk and in the requests' limits, and its failure exits
 * (one line on stderr, no stack trace, non-zero status).
 */
class AdminCliIT {
  private static final String BASIC_KEY = "FQ4IU19ZFZ3470XJ7GBF";
  private static final String[] COMMANDS = {"show-config", "set-minute-limit", "set-second-limit", "set-message",
      "add-key", "remove-key", "show-table", "clear-table", "reload", "info"};

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void startStack() throws Exception {
    backend = S3Backend.start("admin-cli-it-backend");
    gateway = Gateway.builder("admin-cli-it-gateway", backend.url()).start();
  }

  @AfterAll
  static void stopStack() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  private static AdminProcess.Run admin(String... args) throws IOException, InterruptedException {
    return AdminProcess.admin(gateway.jmxPort, gateway.adminEnvironment(), args);
  }

  private static AdminProcess.Run run(List<String> command) throws IOException, InterruptedException {
    return AdminProcess.run(command, gateway.adminEnvironment());
  }

  private static String conf(String file) throws IOException {
    return Files.readString(gateway.confDir.resolve(file));
  }

  @Test
  void setMinuteLimit_validValue_changesFileAndNextRequests_andShowConfigReadsItBack() throws Exception {
    AdminProcess.Run set = admin("set-minute-limit", "basic", "3");
    set.assertOk();
    assertThat(set.out()).startsWith("rate_limits_per_minute.map: set basic 100 -> 3 (version ");
    assertThat(conf("rate_limits_per_minute.map")).contains("\nbasic 3\n");
    assertThat(Files.readString(gateway.confDir.resolve("audit.log"))).contains("op=set key=basic old=100 new=3 who=admin");

    admin("clear-table", BASIC_KEY).assertOk();
    for (int i = 0; i < 3; i++) {
      assertThat(SigV4Requests.status(gateway.url(), "/cli-bucket", BASIC_KEY)).isEqualTo(403);
    }
    assertThat(SigV4Requests.status(gateway.url(), "/cli-bucket", BASIC_KEY)).isEqualTo(429);

    AdminProcess.Run table = admin("show-table", "--table", "api_keys", "--filter", "per_minute", "ge", "3");
    table.assertOk();
    assertThat(table.out()).contains("key=" + BASIC_KEY + " group=basic ");
    assertThat(admin("show-table", "--filter", "per_minute", "gt", "100000").out()).doesNotContain("key=");

    AdminProcess.Run clear = admin("clear-table", "--table", "api_keys", BASIC_KEY);
    clear.assertOk();
    assertThat(clear.out()).startsWith("cleared " + BASIC_KEY);
    assertThat(SigV4Requests.status(gateway.url(), "/cli-bucket", BASIC_KEY)).isEqualTo(403);
    admin("clear-table").assertOk();

    AdminProcess.Run config = admin("show-config");
    config.assertOk();
    assertThat(config.out()).containsPattern("(?m)^basic +3 +10  Basic rate limit exceeded$")
        .contains(BASIC_KEY + " basic");
    admin("set-minute-limit", "basic", "100").assertOk();
  }

  @Test
  void setSecondLimitAndMessage_written_andReadBack() throws Exception {
    admin("set-second-limit", "standard", "30").assertOk();
    assertThat(conf("rate_limits_per_second.map")).contains("\nstandard 30\n");
    AdminProcess.Run message = admin("set-message", "standard", "Standard", "tier:", "slow", "down");
    message.assertOk();
    assertThat(message.out()).contains("-> Standard tier: slow down");
    assertThat(conf("error_messages.map")).contains("\nstandard Standard tier: slow down\n");
  }

  @Test
  void addAndRemoveKey_knownGroup_takesEffect_unknownGroupOrKey_fails() throws Exception {
    AdminProcess.Run add = admin("add-key", "NEWKEY0000000000000A", "basic");
    add.assertOk();
    assertThat(conf("api_key_groups.map")).contains("\nNEWKEY0000000000000A basic\n");
    assertThat(SigV4Requests.get(gateway.url(), "/cli-bucket", "NEWKEY0000000000000A").headers()
        .firstValue("X-RateLimit-Group")).hasValue("basic");

    String before = conf("api_key_groups.map");
    admin("add-key", "OTHERKEY", "premuim").assertOneLineFailure(1, "unknown group 'premuim'");
    assertThat(conf("api_key_groups.map")).isEqualTo(before);

    admin("remove-key", "NEWKEY0000000000000A").assertOk();
    assertThat(conf("api_key_groups.map")).doesNotContain("NEWKEY0000000000000A");
    admin("remove-key", "NEWKEY0000000000000A").assertOneLineFailure(1, "is not in api_key_groups.map");
  }

  @Test
  void setLimit_nonNumericOrNegative_failsWithOneLine_andChangesNothing() throws Exception {
    String before = conf("rate_limits_per_minute.map");
    admin("set-minute-limit", "premium", "lots").assertOneLineFailure(1, "must be a whole number >= 0");
    admin("set-second-limit", "premium", "-5").assertOneLineFailure(1, "must be a whole number >= 0");
    admin("set-minute-limit", "bad group", "5").assertOneLineFailure(1, "key 'bad group'");
    assertThat(conf("rate_limits_per_minute.map")).isEqualTo(before);
  }

  @Test
  void reloadAndInfo_succeed_andReloadOfBrokenFileFails() throws Exception {
    AdminProcess.Run reload = admin("reload");
    reload.assertOk();
    assertThat(reload.out()).startsWith("UNCHANGED version");
    AdminProcess.Run info = admin("info");
    info.assertOk();
    assertThat(info.out()).contains("config version: ", "backend:        " + backend.url(),
        "table:          size ", "map rate_limits_per_second: 3 entries");

    Path file = gateway.confDir.resolve("rate_limits_per_second.map");
    String good = Files.readString(file);
    try {
      Files.writeString(file, good + "gold abc\n");
      admin("reload").assertOneLineFailure(1, "group 'gold' has limit 'abc'");
    } finally {
      Files.writeString(file, good);
      admin("reload").assertOk();
    }
  }

  @Test
  void failures_unreachableGatewayUnknownCommandBadUsage_exitNonZeroWithOneLine() throws Exception {
    int closedPort = FreePorts.next();
    run(List.of("bin/s3gate-admin", "--jmx", "127.0.0.1:" + closedPort, "info"))
        .assertOneLineFailure(1, "cannot connect to JMX at 127.0.0.1:" + closedPort);
    admin("frobnicate").assertOneLineFailure(2, "unknown command 'frobnicate'");
    admin("set-minute-limit", "premium").assertOneLineFailure(2, "expected GROUP N");
    admin("show-table", "--filter", "per_minute", "gt").assertOneLineFailure(2, "expected --filter DATA OP VALUE");
    admin("show-table", "--filter", "bytes", "gt", "5").assertOneLineFailure(1, "unknown data 'bytes'");
    admin("show-table", "--table", "nosuch").assertOneLineFailure(1, "no table 'nosuch'");
    admin("clear-table", "--table").assertOneLineFailure(2, "--table: expected a table name");
    run(List.of("bin/s3gate-admin", "--jmx", "nohostport", "info")).assertOneLineFailure(2, "--jmx must be HOST:PORT");
  }

  @Test
  void help_onEveryCommand_printsUsageAndExitsZero() throws Exception {
    AdminProcess.Run help = run(List.of("bin/s3gate-admin", "--help"));
    help.assertOk();
    for (String command : COMMANDS) {
      assertThat(help.out()).contains("  " + command);
      AdminProcess.Run one = run(List.of("bin/s3gate-admin", command, "--help"));
      one.assertOk();
      assertThat(one.out()).startsWith("usage: s3gate-admin [--jmx HOST:PORT] [--user NAME] [--password-file FILE]"
          + " [--ssl] " + command);
    }
  }
}

package org.s3gate.management.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The precedence of {@code bin/s3gate-admin}'s JMX credentials ({@link Credentials}). */
class CredentialsTest {

  @TempDir
  Path dir;

  @Test
  void resolve_passwordInEnvironment_winsForTheGivenUserOrAdmin() throws Exception {
    Path file = dir.resolve("jmxremote.password");
    Files.writeString(file, "admin from-file\n");
    Map<String, String> env = Map.of("S3GATE_JMX_PASSWORD", "from-env", "S3GATE_JMX_PASSWORD_FILE", file.toString());

    assertThat(Credentials.resolve(null, null, env)).extracting(Credentials::user, Credentials::password)
        .containsExactly("admin", "from-env");
    assertThat(Credentials.resolve("operator", null, env).user()).isEqualTo("operator");
  }

  @Test
  void resolve_passwordFile_firstUserOrTheGivenOne_optionBeforeEnvironment() throws Exception {
    Path file = dir.resolve("jmxremote.password");
    Files.writeString(file, "# generated\n\nadmin s3cret\noperator op-secret\n");
    Path other = dir.resolve("other.password");
    Files.writeString(other, "viewer view-secret\n");
    Map<String, String> env = Map.of("S3GATE_JMX_PASSWORD_FILE", file.toString());

    assertThat(Credentials.resolve(null, null, env)).extracting(Credentials::user, Credentials::password)
        .containsExactly("admin", "s3cret");
    assertThat(Credentials.resolve("operator", null, env).password()).isEqualTo("op-secret");
    assertThat(Credentials.resolve(null, other.toString(), env).user()).isEqualTo("viewer");
    assertThatThrownBy(() -> Credentials.resolve("nobody", null, env)).isInstanceOf(CliException.class)
        .hasMessageContaining("has no user 'nobody'");
  }

  @Test
  void resolve_noReadableFile_connectsWithoutCredentials_andTheHintSaysWhatWasTried() {
    Credentials none = Credentials.resolve(null, null, Map.of("S3GATE_JMX_PASSWORD_FILE", "/no/such/file"));

    assertThat(none.user()).isNull();
    assertThat(none.hint()).contains("tried: /no/such/file (not readable)").contains("--user and $S3GATE_JMX_PASSWORD");
    assertThat(Credentials.resolve(null, null, Map.of("S3GATE_JMX_PASSWORD_FILE", ""))).isEqualTo(Credentials.NONE);
  }

  @Test
  void resolve_hashedEntry_refusedNamingTheWayOut() throws Exception {
    Path file = dir.resolve("jmxremote.password");
    Files.writeString(file, "admin salt hash SHA3-512\n");
    assertThatThrownBy(() -> Credentials.resolve(null, file.toString(), Map.of())).isInstanceOf(CliException.class)
        .hasMessageContaining("holds no clear-text password for 'admin' (hashed?)");
  }
}

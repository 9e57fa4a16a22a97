package org.s3gate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigDirectoryTest {

  @Test
  void resolve_precedence_propertyThenEnvThenContextThenConf() {
    Map<String, String> env = Map.of("S3GATE_CONF", "/env/conf");

    assertThat(ConfigDirectory.resolve("/ctx", k -> "/prop/conf", env)).isEqualTo(Path.of("/prop/conf"));
    assertThat(ConfigDirectory.resolve("/ctx", k -> null, env)).isEqualTo(Path.of("/env/conf"));
    assertThat(ConfigDirectory.resolve("/ctx", k -> " ", Map.of())).isEqualTo(Path.of("/ctx"));
    assertThat(ConfigDirectory.resolve(null, k -> null, Map.of()))
        .isEqualTo(Path.of("conf").toAbsolutePath().normalize());
  }
}

package org.s3gate.admit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdmissionTest {
  @ParameterizedTest
  @CsvSource({
      "/minio/health/live, true",
      "/minio/health/ready, true",
      "/minio/health/cluster, true",
      "/minio/health/cluster/read, true",
      "/minio/health/, true",
      "/minio/health/../bucket/key, false",
      "/minio/health/%2E%2E/bucket, false",
      "/minio/health//bucket, false",
      "/minio/health/Live, false",
      "/minio/healthz, false",
      "/bucket/minio/health/live, false",
      "/, false"})
  void isBackendHealthCheck_onlyPlainHealthPaths_areExempt(String rawPath, boolean exempt) {
    assertThat(Admission.isBackendHealthCheck(rawPath)).isEqualTo(exempt);
  }
}

package org.s3gate.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.admit.AdmissionTest.Request;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.ByteDirection;
import org.s3gate.limit.ByteTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.PolicySnapshot;

/**
 * Bandwidth budgets ({@code bandwidth_per_minute.map}) in the admission core, with the real
 * compiler and a fake clock: uploads that must fit before their body is read, downloads charged at
 * their start and reconciled at their end, and what a refusal tells the client.
 */
class BandwidthAdmissionTest {
  private static final String KEY = "FQ4IU19ZFZ3470XJ7GBF";
  private static final String PLAIN_KEY = "PLAINKEY0000000000AA";
  private static final long SECOND = 1_000_000_000L;
  private static final long MIB = 1L << 20;

  private final ByteTable bytes = new ByteTable(10);
  private final Admission admission = new Admission(new CounterTable(10), null, new CounterTable(10),
      System::currentTimeMillis, bytes);

  private static PolicySnapshot load(Path dir, String bandwidth, String concurrent) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\ncount.denied false\n");
    Files.writeString(dir.resolve("api_key_groups.map"), KEY + " basic\n" + PLAIN_KEY + " plain\n");
    Files.writeString(dir.resolve("rate_limits_per_minute.map"), "basic 1000\nplain 1000\n");
    Files.writeString(dir.resolve("rate_limits_per_second.map"), "basic 100\nplain 100\n");
    Files.writeString(dir.resolve("bandwidth_per_minute.map"), bandwidth);
    Files.writeString(dir.resolve("concurrent_requests.map"), concurrent);
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      return config.store().current();
    }
  }

  private static Request put(String key, long length) {
    return Request.of("PUT", "/b/k", null, "X-API-Key", key, "Content-Length", Long.toString(length));
  }

  private static Request get(String key) {
    return Request.of("GET", "/b/k", null, "X-API-Key", key);
  }

  @Test
  void upload_fitsOnlyWhatIsLeft_deniedWithExactRetryAfter_thenAdmittedWhenTheMinuteAllows(@TempDir Path dir)
      throws IOException {
    PolicySnapshot policy = load(dir, "basic:in 10M\n", "");
    Outcome first = admission.decide(put(KEY, 6 * MIB), policy, 0L);
    assertThat(first.verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(first.bandwidth().inUsedBytes()).isEqualTo(6 * MIB);
    assertThat(bytes.used(KEY, ByteDirection.IN, 0L)).isEqualTo(6 * MIB); // charged before any body byte

    Outcome second = admission.decide(put(KEY, 6 * MIB), policy, SECOND);
    assertThat(second.verdict()).isEqualTo(Verdict.DENIED_PER_MINUTE);
    assertThat(second.rule()).isEqualTo(DenialRule.BYTES_IN);
    assertThat(second.denialMessage()).endsWith("(10 MiB/minute of request bodies per API key)");
    assertThat(second.bandwidth().inUsedBytes()).isEqualTo(6 * MIB);
    assertThat(second.bandwidth().inLimitBytes()).isEqualTo(10 * MIB);
    // the first upload's slot [0, 3 s) leaves the ring at 63 s
    assertThat(second.retryAfterNanos()).isEqualTo(63 * SECOND - SECOND);
    assertThat(bytes.used(KEY, ByteDirection.IN, SECOND)).isEqualTo(6 * MIB); // the refusal charged nothing
    // a small upload still fits
    assertThat(admission.decide(put(KEY, 4 * MIB), policy, SECOND).verdict()).isEqualTo(Verdict.ADMITTED);

    assertThat(admission.decide(put(KEY, 6 * MIB), policy, 63 * SECOND - 1).rule())
        .isEqualTo(DenialRule.BYTES_IN);
    assertThat(admission.decide(put(KEY, 6 * MIB), policy, 63 * SECOND).verdict()).isEqualTo(Verdict.ADMITTED);
  }

  @Test
  void upload_largerThanTheWholeBudget_rejectedAsEntityTooLarge_chargingNothing(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic:in 10M\n", "");
    Outcome outcome = admission.decide(put(KEY, 10 * MIB + 1), policy, 0L);
    assertThat(outcome.rejected()).isTrue();
    assertThat(outcome.rejectionStatus()).isEqualTo(400);
    assertThat(outcome.rejectionCode()).isEqualTo("EntityTooLarge");
    assertThat(bytes.size()).isZero();
    assertThat(admission.decide(put(KEY, 10 * MIB), policy, 0L).verdict()).isEqualTo(Verdict.ADMITTED);
  }

  @Test
  void awsChunkedUpload_isChargedItsDecodedLength_andReconciledToTheBytesRead(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic:in 10M\n", "");
    Request chunked = Request.of("PUT", "/b/k", null, "X-API-Key", KEY, "Content-Length", Long.toString(9 * MIB),
        "x-amz-decoded-content-length", Long.toString(8 * MIB), "Content-Encoding", "aws-chunked");
    Outcome outcome = admission.decide(chunked, policy, 0L);
    assertThat(outcome.bandwidth().inDeclaredBytes()).isEqualTo(8 * MIB);
    // the whole wire body (chunk signatures included) was read: charged the declared data, not more
    admission.transferEnded(outcome, 0L, 9 * MIB, 0, 0, 0, false, 2 * SECOND);
    assertThat(bytes.used(KEY, ByteDirection.IN, 2 * SECOND)).isEqualTo(8 * MIB);

    Outcome aborted = admission.decide(put(KEY, 2 * MIB), policy, 3 * SECOND);
    assertThat(aborted.verdict()).isEqualTo(Verdict.ADMITTED);
    admission.transferEnded(aborted, 3 * SECOND, MIB / 2, 0, 0, 0, false, 4 * SECOND);
    assertThat(bytes.used(KEY, ByteDirection.IN, 4 * SECOND)).isEqualTo(8 * MIB + MIB / 2);
  }

  @Test
  void uploadOfUnknownLength_admittedWhileThereIsRoom_chargedTheBytesReadAtItsEnd(@TempDir Path dir)
      throws IOException {
    PolicySnapshot policy = load(dir, "basic:in 10M\n", "");
    Request streamed = Request.of("PUT", "/b/k", null, "X-API-Key", KEY, "Transfer-Encoding", "chunked");
    Outcome outcome = admission.decide(streamed, policy, 0L);
    assertThat(outcome.verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(bytes.used(KEY, ByteDirection.IN, 0L)).isZero();
    admission.transferEnded(outcome, 0L, 12 * MIB, 0, 0, 0, false, SECOND); // overshoot: one unknown body
    assertThat(bytes.used(KEY, ByteDirection.IN, SECOND)).isEqualTo(12 * MIB);
    Outcome next = admission.decide(streamed, policy, 2 * SECOND);
    assertThat(next.rule()).isEqualTo(DenialRule.BYTES_IN);
    assertThat(next.retryAfterNanos()).isEqualTo(63 * SECOND - 2 * SECOND);
  }

  @Test
  void download_chargedAtResponseStart_nextGetDeniedOverBudget_abortedOneChargedOnlyWhatWasSent(@TempDir Path dir)
      throws IOException {
    PolicySnapshot policy = load(dir, "basic:out 10M\n", "");
    Outcome first = admission.decide(get(KEY), policy, 0L);
    assertThat(first.bandwidth().out()).isTrue();
    long charged = admission.responseStarted(first, 8 * MIB, SECOND);
    assertThat(charged).isEqualTo(8 * MIB);
    // a second download admitted while there is room: it may overshoot by its own response
    Outcome second = admission.decide(get(KEY), policy, 2 * SECOND);
    assertThat(second.verdict()).isEqualTo(Verdict.ADMITTED);
    long chargedSecond = admission.responseStarted(second, 8 * MIB, 2 * SECOND);
    assertThat(bytes.used(KEY, ByteDirection.OUT, 2 * SECOND)).isEqualTo(16 * MIB);

    Outcome third = admission.decide(get(KEY), policy, 3 * SECOND);
    assertThat(third.verdict()).isEqualTo(Verdict.DENIED_PER_MINUTE);
    assertThat(third.rule()).isEqualTo(DenialRule.BYTES_OUT);
    assertThat(third.denialMessage()).endsWith("(10 MiB/minute of response bodies per API key)");
    assertThat(third.bandwidth().outUsedBytes()).isEqualTo(16 * MIB);

    // the second download is aborted after 1 MiB: 7 MiB go back, to the slot it was charged in
    admission.transferEnded(second, 2 * SECOND, 0, chargedSecond, 2 * SECOND, MIB, false, 4 * SECOND);
    admission.transferEnded(first, 0L, 0, charged, SECOND, 8 * MIB, false, 4 * SECOND);
    assertThat(bytes.used(KEY, ByteDirection.OUT, 4 * SECOND)).isEqualTo(9 * MIB);
    assertThat(admission.decide(get(KEY), policy, 4 * SECOND).verdict()).isEqualTo(Verdict.ADMITTED);
  }

  @Test
  void downloadWithoutContentLength_chargedTheBytesSentAtItsEnd(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic:out 10M\n", "");
    Outcome outcome = admission.decide(get(KEY), policy, 0L);
    long charged = admission.responseStarted(outcome, -1, 0L);
    assertThat(charged).isZero();
    admission.transferEnded(outcome, 0L, 0, charged, 0L, 3 * MIB, false, SECOND);
    assertThat(bytes.used(KEY, ByteDirection.OUT, SECOND)).isEqualTo(3 * MIB);
  }

  @Test
  void credentialsRefusedByTheBackend_chargeNothingToTheKeysBandwidth(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic:in 10M\nbasic:out 10M\n", "");
    Outcome upload = admission.decide(put(KEY, 6 * MIB), policy, 0L);
    admission.transferEnded(upload, 0L, 6 * MIB, 0, 0, 0, true, SECOND);
    Outcome download = admission.decide(get(KEY), policy, 0L);
    long charged = admission.responseStarted(download, 5 * MIB, 0L);
    admission.transferEnded(download, 0L, 0, charged, 0L, 5 * MIB, true, SECOND);
    assertThat(bytes.used(KEY, ByteDirection.IN, SECOND)).isZero();
    assertThat(bytes.used(KEY, ByteDirection.OUT, SECOND)).isZero();
  }

  @Test
  void uploadDeniedByALaterLimiter_isRefundedItsBytes(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic:in 10M\n", "basic 1\n");
    Outcome holding = admission.decide(put(KEY, MIB), policy, 0L);
    assertThat(holding.verdict()).isEqualTo(Verdict.ADMITTED);
    Outcome full = admission.decide(put(KEY, 6 * MIB), policy, 0L);
    assertThat(full.verdict()).isEqualTo(Verdict.DENIED_CONCURRENT);
    assertThat(full.rule()).isEqualTo(DenialRule.CONCURRENT);
    assertThat(bytes.used(KEY, ByteDirection.IN, 0L)).isEqualTo(MIB);
    // a denied outcome's transfer ends without touching the budget
    admission.transferEnded(full, 0L, 0, 0, 0, 0, false, SECOND);
    assertThat(bytes.used(KEY, ByteDirection.IN, SECOND)).isEqualTo(MIB);
  }

  @Test
  void groupWithoutBandwidthEntries_chargesNoBytes_andCarriesNoCharge(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "basic:in 10M\n", "");
    Outcome upload = admission.decide(put(PLAIN_KEY, 100 * MIB), policy, 0L);
    assertThat(upload.verdict()).isEqualTo(Verdict.ADMITTED);
    assertThat(upload.bandwidth()).isNull();
    assertThat(admission.decide(get(KEY), policy, 0L).bandwidth()).isNull(); // basic has no out limit
    assertThat(bytes.size()).isZero();
  }

  @Test
  void requestDeniedByItsRequestRate_namesTheWindowAsItsRule(@TempDir Path dir) throws IOException {
    PolicySnapshot policy = load(dir, "", "basic 0\n");
    Outcome outcome = null;
    for (int i = 0; i <= 100; i++) {
      outcome = admission.decide(get(KEY), policy, 0L);
    }
    assertThat(outcome.rule()).isEqualTo(DenialRule.KEY_SECOND);
  }
}

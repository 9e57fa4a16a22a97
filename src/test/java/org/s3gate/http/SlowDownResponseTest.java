package org.s3gate.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Retry-After of a tarpitted answer counts from its sending (issue 15 review: the hold was not subtracted). */
class SlowDownResponseTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void remainingNanos_subtractsTheTimeHeld() {
    assertThat(SlowDownResponse.remainingNanos(60 * SECOND, 15 * SECOND)).isEqualTo(45 * SECOND);
    assertThat(SlowDownResponse.remainingNanos(60 * SECOND, 0)).isEqualTo(60 * SECOND);
  }

  @Test
  void remainingNanos_neverBelowZero_evenForAClockThatWentBack() {
    assertThat(SlowDownResponse.remainingNanos(5 * SECOND, 15 * SECOND)).isZero();
    assertThat(SlowDownResponse.remainingNanos(5 * SECOND, -SECOND)).isEqualTo(5 * SECOND);
  }
}

package org.s3gate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.CertPathBuilderException;
import java.util.concurrent.ExecutionException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;

/** The ERROR line's description of a Redis failure: root cause, hint, never the password. */
class RedisProblemsTest {
  private final RedisProblems problems = new RedisProblems("redis://gateway:Sup3r-secret@h:6379");

  @Test
  void describe_wrappedRefusal_namesTheRootCauseAndAHint() {
    Throwable e = new ExecutionException(new RedisConnectionException("Unable to connect to h:6379",
        new RedisCommandExecutionException("WRONGPASS invalid username-password pair or user is disabled.")));
    assertThat(problems.describe(e)).isEqualTo("RedisConnectionException: Unable to connect to h:6379; cause:"
        + " RedisCommandExecutionException: WRONGPASS invalid username-password pair or user is disabled."
        + " (Redis refused the user or password of redis.uri)");
  }

  @Test
  void describe_untrustedCertificateBehindAHandshakeFailure_saysHowToTrustTheCa() {
    SSLHandshakeException handshake = new SSLHandshakeException("PKIX path building failed");
    handshake.initCause(new CertPathBuilderException("unable to find valid certification path to requested target"));
    assertThat(problems.describe(new RedisConnectionException("Unable to connect to h:6380", handshake)))
        .contains("cause: CertPathBuilderException: unable to find valid certification path")
        .contains("TLS certificate is not trusted").contains("-Djavax.net.ssl.trustStore");
  }

  @Test
  void describe_aMessageThatWouldCarryThePassword_showsStarsInstead() {
    assertThat(problems.describe(new IllegalStateException("AUTH gateway Sup3r-secret refused")))
        .isEqualTo("IllegalStateException: AUTH gateway *** refused");
  }

  @Test
  void passwordOf_userInfoForms() {
    assertThat(RedisProblems.passwordOf("redis://:pw12@h:6379")).isEqualTo("pw12");
    assertThat(RedisProblems.passwordOf("redis://user:pw12@h:6379")).isEqualTo("pw12");
    assertThat(RedisProblems.passwordOf("redis://pw12@h:6379")).isEqualTo("pw12");
    assertThat(RedisProblems.passwordOf("redis-sentinel://h1:26379,h2:26379#m")).isEmpty();
  }
}

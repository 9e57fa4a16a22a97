package org.s3gate.http;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.admit.DenialRule;
import org.s3gate.admit.Outcome;
import org.s3gate.metrics.GatewayMetrics;
import org.s3gate.policy.GatewaySettings;

/**
 * The one place where a denied {@link Outcome} becomes the client's answer: {@code deny.status}
 * SlowDown at once, or, for the tarpit rule, held by the {@link Tarpit} first (answered at once
 * with {@code Connection: close} when {@code tarpit.max} are held). It counts every denial by its
 * rule ({@code s3gate_denials_total{rule}}); a rule's would-be denial in a mode that denies
 * nothing (shadow) belongs here too, so the filter has no rule-specific branch.
 *
 * <p>Thread-safe: the tarpit and the metrics are.
 */
final class Denials implements AutoCloseable {
  private final Tarpit tarpit = new Tarpit();
  private final GatewayMetrics metrics;

  Denials(GatewayMetrics metrics) {
    this.metrics = metrics;
    metrics.tarpit(tarpit::heldNow, tarpit::heldTotal);
  }

  /** Answers a request admission denied (never an admitted, exempt or rejected one). */
  void answer(HttpServletRequest request, HttpServletResponse response, Outcome outcome, GatewaySettings settings)
      throws IOException {
    int status = settings.denyStatus();
    if (outcome.tarpit()) {
      Tarpit.Answer late = (held, heldResponse, heldNanos) -> {
        heldResponse.setHeader("Connection", "close");
        SlowDownResponse.send(held, heldResponse, status, outcome, heldNanos); // the hold is time waited
      };
      if (tarpit.hold(request, response, outcome, settings.clientIps(), late)) {
        metrics.recordDenial(DenialRule.IP_TARPIT);
        return;
      }
      metrics.recordDenial(DenialRule.IP_TARPIT_FULL);
      late.send(request, response, 0);
      return;
    }
    metrics.recordDenial(outcome.rule());
    SlowDownResponse.send(request, response, status, outcome);
  }

  @Override
  public void close() {
    tarpit.close();
  }
}

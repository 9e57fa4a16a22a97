package org.s3gate.proxy;

import java.util.function.IntConsumer;

import jakarta.servlet.http.HttpServletRequest;

/**
 * What the proxy records of a client's request body as it forwards it, the same on both read
 * paths (the servlet API's, {@code S3ProxyServlet.newReadListener}, and Jetty's chunks,
 * {@link DirectRequestContent}): every chunk's bytes into the request's {@code Exchange} (exact
 * byte accounting and the upload bandwidth budgets), the end of the body to {@link SlowTransfers}
 * (the {@code request.min_rate} watch stops), and a failure of the client's body under
 * {@link #FAILURE_ATTRIBUTE}, so the proxy answers it as the client's fault ({@link ProxyErrors})
 * and does not take it for the backend's.
 *
 * <p>Thread-safe as far as its callers need: {@link #received} is called by one reader at a time
 * (the read path serialises its reads); {@link #ended} and {@link #failed} may race with it and
 * with each other ({@link SlowTransfers#done} is idempotent, request attributes are thread-safe).
 */
final class ClientUpload {
  /** The request attribute holding the Throwable with which reading the client's body failed. */
  static final String FAILURE_ATTRIBUTE = ClientUpload.class.getName() + ".failure";

  private final HttpServletRequest request;
  private final IntConsumer bytesIn;
  private final SlowTransfers slowTransfers;
  private final Object watch;

  /** {@code bytesIn} counts into the request's Exchange; {@code watch} may be null (no minimum rate). */
  ClientUpload(HttpServletRequest request, IntConsumer bytesIn, SlowTransfers slowTransfers, Object watch) {
    this.request = request;
    this.bytesIn = bytesIn;
    this.slowTransfers = slowTransfers;
    this.watch = watch;
  }

  /** The failure with which the client's body failed, or null. */
  static Throwable failureOf(HttpServletRequest request) {
    return (Throwable) request.getAttribute(FAILURE_ATTRIBUTE);
  }

  /** {@code bytes} more of the body were read from the client. */
  void received(int bytes) {
    bytesIn.accept(bytes);
  }

  /** The body is over: read to its end, or given up by the proxy. */
  void ended() {
    slowTransfers.done(watch);
  }

  /** Reading the client's body failed: the client's fault, unless ProxyErrors finds it an idle timeout. */
  void failed(Throwable failure) {
    slowTransfers.done(watch);
    request.setAttribute(FAILURE_ATTRIBUTE, failure);
  }
}

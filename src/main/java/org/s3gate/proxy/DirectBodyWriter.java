package org.s3gate.proxy;

import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.servlet.ServletContextResponse;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;

/**
 * Writes a backend response's body chunks to the client on Jetty as they come, the chunk's own
 * {@code ByteBuffer} (a read-only view of the proxy client's direct network buffer), with no
 * {@code byte[]} in between. Only {@link ResponseBodies} creates it, and only on Jetty.
 *
 * <h2>Design</h2>
 * Jetty's servlet proxy copies every chunk into a new {@code byte[]} (the servlet API writes only
 * arrays), writes the array through {@code HttpOutput}, where the JDK copies it again into a
 * temporary direct buffer for the socket, and, whenever a write does not finish at once, hands
 * the next step to a pool thread ({@code HttpOutput} wakes the {@code WriteListener} through the
 * servlet channel). Here the chunk goes to {@link ServletContextResponse#write}, the core response
 * {@code HttpOutput} itself writes to: the kernel reads the bytes straight from the client's
 * network buffer, and the write's completion, from whichever thread finishes it (this one when
 * the socket takes the chunk at once, else the server's selector), releases the chunk and demands
 * the next one. The completion is declared non-blocking so Jetty runs it where it happens; what it
 * runs (the proxy client's demand, the next chunk's write, the response's end) never blocks
 * (the invariant {@link ProxyClients} documents for response listeners).
 *
 * <p>What stays as with the servlet path: headers and status are the servlet response's (set
 * before the first write, which commits them); Content-Length is checked by the core response
 * (a short body fails the last write); the response is completed through the servlet API
 * ({@code AsyncContext.complete()}, whose empty last write this path leaves to {@code HttpOutput},
 * never touched here, so its state machine stays idle); a failed write releases the chunk and
 * aborts the backend response, which {@link S3ProxyServlet#sendProxyResponseError} turns into the
 * abort of the committed client response, as a failed servlet write does.
 *
 * <h2>Invariants</h2>
 * At most one chunk in flight per response: the proxy client delivers the next chunk only after
 * {@code demander} ran, which happens only after the previous write completed. So the heap and
 * back-pressure bounds of the servlet path hold (one retained 64 KiB client buffer per response),
 * and the one callback object, this, serves every chunk without an allocation per chunk.
 *
 * <p>Not thread-safe by itself, confined to one response: {@link #write} and the completion it
 * causes run one after the other; the fields set before {@code write} hands the chunk to Jetty
 * are read by the completion after Jetty's response lock (taken by both) orders them.
 */
final class DirectBodyWriter implements Callback {
  private final ServletContextResponse target;
  private Response proxyResponse;
  private Content.Chunk chunk;
  private Runnable demander;

  private DirectBodyWriter(ServletContextResponse target) {
    this.target = target;
  }

  /**
   * A writer for this response, or null when its body must take the servlet path: a response
   * wrapped by a filter (the wrapper may want to see the body) or one whose output stream or
   * writer is already in use.
   */
  static DirectBodyWriter of(HttpServletResponse response) {
    ServletContextResponse target;
    try {
      target = ServletContextResponse.getServletContextResponse(response);
    } catch (IllegalStateException notJettys) {
      return null;
    }
    if (target.getServletApiResponse() != response || target.isWritingOrStreaming()) {
      return null;
    }
    return new DirectBodyWriter(target);
  }

  /** Writes the chunk; it is released, and the next demanded, when the write has completed. */
  void write(Response proxyResponse, Content.Chunk chunk, Runnable demander) {
    chunk.retain();
    this.proxyResponse = proxyResponse;
    this.chunk = chunk;
    this.demander = demander;
    target.write(false, chunk.getByteBuffer(), this);
  }

  @Override
  public void succeeded() {
    Content.Chunk written = chunk;
    Runnable next = demander;
    chunk = null;
    demander = null;
    written.release();
    next.run();
  }

  @Override
  public void failed(Throwable failure) {
    Content.Chunk written = chunk;
    chunk = null;
    demander = null;
    if (written != null) {
      written.release();
    }
    proxyResponse.abort(failure);
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }
}

package org.s3gate.proxy;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * The proxied request's body read straight from Jetty's core request: the proxy client's sender
 * pulls the client's chunks ({@link #read}) and writes each chunk's buffer, the connection's own
 * (direct) network buffer, to the backend socket, releasing the chunk when that write completed.
 *
 * <h2>Design</h2>
 * What it replaces, {@code AsyncProxyServlet.StreamReader}, copied each chunk into a {@code byte[]}
 * ({@code ServletInputStream.read}) and offered it to an {@code AsyncRequestContent}, whose heap
 * buffer the JDK copied again into a temporary direct buffer for the socket write; each chunk went
 * read, offer, demand callback, write, write callback, read again. Here there is no copy in Java
 * and no queue: the sender reads while it can, and when nothing is there it demands, and the
 * server calls it back on the thread that read the bytes from the client, which writes them on.
 *
 * <p>Bounds: the sender holds one chunk at a time (it reads the next only after the previous
 * write completed and released it), so an upload holds at most one server input buffer
 * ({@code jetty.httpConfig.inputBufferSize}, 64 KiB) beyond what the sockets buffer: the heap bound
 * LargeObjectIT pins stays.
 *
 * <p>Invariants, the same as on the servlet path ({@link ClientUpload}): every chunk's bytes are
 * counted as it is read, before it is written; a failure chunk from the client (a body shorter
 * than its Content-Length, broken chunked framing, an idle timeout) is recorded as the client's
 * and handed to the sender, which aborts the proxied request with it. The client's request is
 * never failed from here: when the proxy gives the proxied request up ({@link #fail}: the backend
 * failed, or {@code request.min_rate}), the servlet still answers the client, and the container
 * consumes or discards what is left of the body when the response completes, as it does on the
 * servlet path. No Content-Type and no length of its own (see {@link UntypedRequestContent}): the
 * client's headers, copied by the proxy, frame the body.
 *
 * <p>Thread-safe as far as the client's sender needs: it calls {@link #read} and {@link #demand}
 * one at a time; {@link #fail} may come from another thread and touches only the upload's record.
 */
final class DirectRequestContent implements Request.Content {
  private final Content.Source client;
  private final ClientUpload upload;

  DirectRequestContent(Content.Source client, ClientUpload upload) {
    this.client = client;
    this.upload = upload;
  }

  @Override
  public Content.Chunk read() {
    Content.Chunk chunk = client.read();
    if (chunk == null) {
      return null;
    }
    if (Content.Chunk.isFailure(chunk)) {
      upload.failed(chunk.getFailure());
      return chunk;
    }
    upload.received(chunk.remaining());
    if (chunk.isLast()) {
      upload.ended();
    }
    return chunk;
  }

  /**
   * Declared non-blocking, so the server runs the sender where the client's bytes arrived instead
   * of waking another thread per chunk: what the sender does then (read, a non-blocking write to the
   * backend, the response listeners when the exchange ends) never blocks, which Jetty's own
   * {@code ContentSender} and {@code AsyncProxyServlet.StreamReader} declare alike.
   */
  @Override
  public void demand(Runnable demandCallback) {
    client.demand(Invocable.from(InvocationType.NON_BLOCKING, demandCallback));
  }

  @Override
  public void fail(Throwable failure) {
    upload.ended();
  }

  @Override
  public void fail(Throwable failure, boolean last) {
    if (last) {
      upload.ended();
    }
  }

  @Override
  public String getContentType() {
    return null;
  }

  @Override
  public long getLength() {
    return -1;
  }

  @Override
  public boolean rewind() {
    return false;
  }
}

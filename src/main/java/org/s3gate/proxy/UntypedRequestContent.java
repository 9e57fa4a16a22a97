package org.s3gate.proxy;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;

/**
 * A proxied request body that has no content type of its own, so Jetty's client sends the
 * client's {@code Content-Type} header or none at all.
 *
 * <p>Why: Jetty's {@code HttpConnection.normalizeRequest} adds {@code Content-Type:
 * content.getContentType()} to any request with a body and no such header, and the
 * {@code AsyncRequestContent} that {@code AsyncProxyServlet.proxyRequestContent} (and, for
 * {@code Expect: 100-continue}, {@code ProxyServlet.service}) creates reports
 * {@code application/octet-stream}. A SigV2 signature covers Content-Type, so the backend then
 * answered {@code 403 SignatureDoesNotMatch} to a client that had sent none, and a SigV4 upload
 * was stored with a type the client never gave (issue 14). Everything else is the wrapped body's.
 *
 * <p>Thread-safe as far as the wrapped content is: it only delegates.
 */
final class UntypedRequestContent implements Request.Content {
  private final Request.Content body;

  UntypedRequestContent(Request.Content body) {
    this.body = body;
  }

  /** None: the client's header, if it sent one, is already among the proxied request's headers. */
  @Override
  public String getContentType() {
    return null;
  }

  @Override
  public long getLength() {
    return body.getLength();
  }

  @Override
  public Content.Chunk read() {
    return body.read();
  }

  @Override
  public void demand(Runnable demandCallback) {
    body.demand(demandCallback);
  }

  @Override
  public void fail(Throwable failure) {
    body.fail(failure);
  }

  @Override
  public void fail(Throwable failure, boolean last) {
    body.fail(failure, last);
  }

  @Override
  public boolean rewind() {
    return body.rewind();
  }
}

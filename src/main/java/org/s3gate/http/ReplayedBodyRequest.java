package org.s3gate.http;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * A POST upload's request as the proxy sees it: everything the client's, except that the body is
 * read through {@link PostFormUpload#replay()}.
 *
 * <p>Not thread-safe; confined to the request, like the request.
 */
final class ReplayedBodyRequest extends HttpServletRequestWrapper {
  private final ServletInputStream body;

  ReplayedBodyRequest(HttpServletRequest request, ServletInputStream body) {
    super(request);
    this.body = body;
  }

  @Override
  public ServletInputStream getInputStream() {
    return body;
  }
}

package org.s3gate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.util.BufferUtil;
import org.junit.jupiter.api.Test;

/**
 * {@link ForwardingProxyServlet#hopByHop} drops exactly the fields Jetty's
 * {@code HOP_HEADERS.contains(name.toLowerCase())} drops, in any case, whether the field has its
 * {@link HttpHeader} (as the client's parser gives it) or only a name.
 */
class HopByHopTest {
  /** Jetty 12's AbstractProxyServlet.HOP_HEADERS. */
  private static final List<String> JETTY_HOP_HEADERS = List.of("connection", "keep-alive", "proxy-authorization",
      "proxy-authenticate", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade");

  private static boolean jettyDrops(String name) {
    return JETTY_HOP_HEADERS.contains(name.toLowerCase(Locale.ENGLISH));
  }

  @Test
  void hopByHop_everyHopNameInAnyCaseWithOrWithoutHeader_dropped() {
    for (String name : JETTY_HOP_HEADERS) {
      for (String spelled : List.of(name, name.toUpperCase(Locale.ENGLISH), HttpHeader.CACHE.get(name).asString())) {
        assertThat(ForwardingProxyServlet.hopByHop(new HttpField(spelled, "x"))).as(spelled).isTrue();
        assertThat(ForwardingProxyServlet.hopByHop(new HttpField(null, spelled, "x"))).as(spelled).isTrue();
      }
    }
  }

  @Test
  void hopByHop_endToEndFields_kept() {
    for (String name : List.of("Content-Type", "Content-Length", "ETag", "x-amz-request-id", "X-Amz-Id-2", "Date",
        "Server", "Last-Modified", "Tee", "Upgrade-Insecure-Requests", "Keep-Alive-X", "")) {
      assertThat(ForwardingProxyServlet.hopByHop(new HttpField(name, "x"))).as(name).isEqualTo(jettyDrops(name));
      assertThat(ForwardingProxyServlet.hopByHop(new HttpField(null, name, "x"))).as(name).isFalse();
    }
  }

  @Test
  void hopByHop_fieldsAsTheClientParsesThem_sameAsJetty() {
    HttpFields.Mutable parsed = HttpFields.build();
    HttpParser parser = new HttpParser(new HttpParser.ResponseHandler() {
      @Override
      public void startResponse(org.eclipse.jetty.http.HttpVersion version, int status, String reason) {
      }

      @Override
      public void parsedHeader(HttpField field) {
        parsed.add(field);
      }

      @Override
      public boolean headerComplete() {
        return false;
      }

      @Override
      public boolean contentComplete() {
        return false;
      }

      @Override
      public boolean messageComplete() {
        return true;
      }

      @Override
      public void badMessage(org.eclipse.jetty.http.HttpException failure) {
        throw new AssertionError(failure);
      }

      @Override
      public boolean content(java.nio.ByteBuffer item) {
        return false;
      }

      @Override
      public void earlyEOF() {
      }
    });
    parser.parseNext(BufferUtil.toBuffer("HTTP/1.1 200 OK\r\nconnection: keep-alive\r\nKEEP-ALIVE: timeout=5\r\n"
        + "Transfer-Encoding: chunked\r\nTrailer: x\r\nx-amz-request-id: 1\r\nServer: nginx\r\nupgrade: h2c\r\n"
        + "Te: trailers\r\nProxy-Connection: close\r\n\r\n0\r\n\r\n"));
    assertThat(parsed.size()).isEqualTo(9);
    for (HttpField field : parsed) {
      assertThat(ForwardingProxyServlet.hopByHop(field)).as(field.getName()).isEqualTo(jettyDrops(field.getName()));
    }
  }
}

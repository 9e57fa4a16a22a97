package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What exactly reaches the backend, read off the wire by {@link RecordingBackend}. The same SDK
 * request is sent once straight to the recorder and once through the gateway; apart from the
 * headers a proxy must change (hop-by-hop, Via, X-Forwarded-*), the two must carry the same lines byte for
 * byte (header order aside, which no signature covers), which is what lets SigV4 verify at any backend. This covers keys that s3proxy itself
 * cannot store as-is ({@code a//b}, {@code a/./b}, {@code a/../b}: the same SDK request straight to
 * s3proxy is normalized or refused by s3proxy; see ProxyIT for the keys it does keep).
 */
class ForwardingIT {
  private static final Set<String> PROXY_HEADERS = Set.of("via", "x-forwarded-for", "x-forwarded-proto", "connection",
      "keep-alive");

  private static RecordingBackend recorder;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    recorder = new RecordingBackend();
    gateway = Gateway.builder("forwarding-it-gateway", recorder.url()).start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, recorder);
  }

  @Test
  void sdkPut_ofKeysNaiveProxiesCorrupt_reachesBackendByteForByte() {
    List<String> keys = List.of("a//b", "a/./b", "a/../b", "x%2Fy", "sp ace+plus", "ünï/čødé", "k".repeat(1000));
    for (String key : keys) {
      RecordingBackend.Recorded direct = sendPut(recorder.url(), key);
      RecordingBackend.Recorded proxied = sendPut(gateway.url(), key);
      assertThat(proxied.requestLine()).as("request line for key %s", key).isEqualTo(direct.requestLine());
      assertThat(withoutProxyHeaders(proxied.headerLines(), gateway.httpPort))
          .as("headers for key %s", key)
          .containsExactlyInAnyOrderElementsOf(withoutProxyHeaders(direct.headerLines(), Integer.parseInt(recorder.url().replaceAll(".*:", ""))));
    }
  }

  @Test
  void response_backendSendsSecurityHeaders_clientGetsTheGatewaysOnlyAndNoHstsOverHttp() throws Exception {
    java.net.http.HttpResponse<Void> response = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.url() + "/bkt/key")).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().allValues("X-Content-Type-Options")).containsExactly("nosniff");
    assertThat(response.headers().allValues("Strict-Transport-Security")).isEmpty();
    assertThat(response.headers().firstValue("x-amz-request-id")).hasValue("RECORDED");
  }

  @Test
  void rawRequest_dotSegmentsAndEncodings_forwardedUnchanged() throws Exception {
    recorder.clear();
    String target = "/bkt/a//b/./c/../d%2Fe%25%C3%BC+x?list-type=2&prefix=%2F&x=a%20b";
    rawRequest("GET " + target + " HTTP/1.1\r\nHost: s3.example.test\r\n"
        + "Content-Type: text/plain; charset=UTF-8\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil\r\n"
        + "Forwarded: for=6.6.6.6\r\nConnection: close\r\n\r\n");
    RecordingBackend.Recorded seen = recorder.recorded().get(0);
    assertThat(seen.requestLine()).isEqualTo("GET " + target + " HTTP/1.1");
    assertThat(seen.header("Host")).isEqualTo("s3.example.test");
    assertThat(seen.header("Content-Type")).isEqualTo("text/plain; charset=UTF-8");
    assertThat(seen.headers("X-Forwarded-For")).containsExactly("X-Forwarded-For: 127.0.0.1");
    assertThat(seen.header("X-Forwarded-Host")).isNull();
    assertThat(seen.header("Forwarded")).isNull();
  }

  private static RecordingBackend.Recorded sendPut(String endpoint, String key) {
    recorder.clear();
    try (S3Client s3 = S3Clients.client(endpoint)) {
      s3.putObject(b -> b.bucket("bkt").key(key), RequestBody.fromString("content of " + key));
    }
    List<RecordingBackend.Recorded> seen = recorder.recorded();
    assertThat(seen).hasSize(1);
    return seen.get(0);
  }

  /** Header lines minus the ones a proxy must change, with the endpoint's port taken out of Host. */
  private static List<String> withoutProxyHeaders(List<String> headerLines, int endpointPort) {
    return headerLines.stream()
        .filter(line -> !PROXY_HEADERS.contains(line.substring(0, line.indexOf(':')).toLowerCase(Locale.ROOT)))
        .map(line -> line.replace("127.0.0.1:" + endpointPort, "127.0.0.1:PORT"))
        .filter(line -> !line.toLowerCase(Locale.ROOT).startsWith("authorization:"))
        .filter(line -> !line.toLowerCase(Locale.ROOT).startsWith("x-amz-date:"))
        .filter(line -> !line.toLowerCase(Locale.ROOT).startsWith("amz-sdk-invocation-id:"))
        .toList();
  }

  private static void rawRequest(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", gateway.httpPort)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(response).startsWith("HTTP/1.1 200");
    }
  }
}

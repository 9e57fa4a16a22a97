package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Header by header, what reaches the backend against what the client sent, for the headers a
 * signature covers or a backend acts on: {@code Content-Type}, {@code Content-MD5},
 * {@code Content-Length}, {@code Expect} and {@code User-Agent}, each present, empty and absent,
 * with names in any case. The same raw request is sent once straight to {@link RecordingBackend}
 * and once through the gateway to it; the two recorded heads must match line for line (order
 * aside, which no signature covers), apart from what a proxy must change: it adds {@code Via},
 * {@code X-Forwarded-For} and {@code X-Forwarded-Proto} and drops hop-by-hop {@code Connection}.
 * A SigV2 signature covers {@code Content-Type} and {@code Content-MD5} even when empty, so one
 * added, dropped or respelled line makes the backend refuse the request (issue 14).
 *
 * <p>Lines are compared as {@code lower-case name:trimmed value}: Jetty's client writes its own
 * spelling of well-known names ({@code content-md5} goes out as {@code Content-MD5},
 * {@code HttpGenerator.putTo}) and an empty value as {@code "Name: "}; HTTP names are
 * case-insensitive, surrounding blanks are not part of a value, and both SigV2 and SigV4 sign
 * lower-case names and trimmed values. Left out of the table because Jetty's HTTP/1.1 generator
 * cannot be told otherwise: a PUT or POST with neither {@code Content-Length} nor a body, and any
 * request with a {@code Content-Type} but neither {@code Content-Length} nor a body (a GET with
 * {@code Content-Type:}), reach the backend with {@code Content-Length: 0} (s3proxy answers the
 * PUT 411 MissingContentLength directly and stores an empty object through the gateway; no
 * signature covers the added line, as the client did not send it).
 */
class RequestHeadersIT {
  /** Lines the gateway adds to every forwarded request (lower-case names). */
  private static final Set<String> ADDED_BY_PROXY = Set.of("via", "x-forwarded-for", "x-forwarded-proto");
  /** Hop-by-hop lines a client may send that never go further (lower-case names). */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive");
  private static final byte[] BODY = "bar".getBytes(StandardCharsets.US_ASCII);
  private static final String MD5_OF_BODY = "N7UdGUp1E+RbVvZSTy1R8g==";

  private static RecordingBackend recorder;
  private static Gateway gateway;
  private static int recorderPort;

  /** A request as the test writes it: head lines (without the request line's CRLF) and body. */
  private record Sent(String name, List<String> head, byte[] body) {}

  @BeforeAll
  static void start() throws Exception {
    recorder = new RecordingBackend();
    recorderPort = Integer.parseInt(recorder.url().replaceAll(".*:", ""));
    gateway = Gateway.builder("request-headers-it-gateway", recorder.url())
        .setting("default.limit.per_minute", "1000000").setting("default.limit.per_second", "100000").start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, recorder);
  }

  @Test
  void putWithBody_withoutContentType_reachesBackendWithoutContentType() throws Exception {
    RecordingBackend.Recorded seen = throughGateway(put("no Content-Type", List.of("Content-Length: 3"), BODY));
    assertThat(seen.headers("Content-Type")).as("headers the backend got: %s", seen.headerLines()).isEmpty();
  }

  @Test
  void chunkedPut_withoutContentType_reachesBackendWithoutContentType() throws Exception {
    RecordingBackend.Recorded seen = throughGateway(put("chunked, no Content-Type",
        List.of("Transfer-Encoding: chunked"), "3\r\nbar\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    assertThat(seen.headers("Content-Type")).as("headers the backend got: %s", seen.headerLines()).isEmpty();
  }

  @Test
  void expectContinuePut_withoutContentType_reachesBackendWithoutContentType() throws Exception {
    RecordingBackend.Recorded seen = throughGateway(put("Expect, no Content-Type",
        List.of("Content-Length: 3", "Expect: 100-continue"), BODY));
    assertThat(seen.headers("Content-Type")).as("headers the backend got: %s", seen.headerLines()).isEmpty();
  }

  @Test
  void requestVariants_headerByHeader_reachBackendAsSent() throws Exception {
    List<String> mismatches = new ArrayList<>();
    for (Sent sent : variants()) {
      recorder.clear();
      RawHttp.Response directResponse =
          RawHttp.exchange("127.0.0.1", recorderPort, sent.head(), sent.body(), false);
      RecordingBackend.Recorded direct = only(sent);
      RecordingBackend.Recorded proxied = throughGateway(sent);
      List<String> expected = direct.headerLines().stream().filter(line -> !HOP_BY_HOP.contains(name(line)))
          .map(RequestHeadersIT::normalized).sorted().toList();
      List<String> got = proxied.headerLines().stream().filter(line -> !ADDED_BY_PROXY.contains(name(line)))
          .map(RequestHeadersIT::normalized).sorted().toList();
      if (directResponse.status() != 200 || !expected.equals(got) || !proxied.requestLine().equals(direct.requestLine())) {
        mismatches.add(sent.name() + ":\n  sent     " + direct.requestLine() + " " + expected
            + "\n  backend  " + proxied.requestLine() + " " + got
            + "\n  missing  " + minus(expected, got) + "\n  added    " + minus(got, expected));
      }
    }
    assertThat(mismatches).as("variants whose headers the gateway changed").isEmpty();
  }

  /** The table: each a PUT or GET with the headers in question present, empty, absent, in any case. */
  private static List<Sent> variants() {
    List<Sent> variants = new ArrayList<>();
    variants.add(put("Content-Type absent", List.of("Content-Length: 3"), BODY));
    variants.add(put("Content-Type with parameters and odd case",
        List.of("Content-Type: Text/Plain;Charset=UTF-8", "Content-Length: 3"), BODY));
    variants.add(put("Content-Type empty", List.of("Content-Type:", "Content-Length: 3"), BODY));
    variants.add(put("content-type lower-case name", List.of("content-type: text/plain", "content-length: 3"), BODY));
    variants.add(put("Content-MD5 valid", List.of("Content-MD5: " + MD5_OF_BODY, "Content-Length: 3"), BODY));
    variants.add(put("Content-MD5 garbage", List.of("Content-MD5: not base64 at all!", "Content-Length: 3"), BODY));
    variants.add(put("Content-MD5 empty", List.of("Content-MD5:", "Content-Length: 3"), BODY));
    variants.add(put("content-md5 lower-case name", List.of("content-md5: " + MD5_OF_BODY, "Content-Length: 3"), BODY));
    variants.add(put("Content-Length 0, no body", List.of("Content-Length: 0"), new byte[0]));
    variants.add(put("Transfer-Encoding chunked", List.of("Transfer-Encoding: chunked"),
        "3\r\nbar\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    variants.add(put("Transfer-Encoding chunked with Content-Type",
        List.of("Content-Type: text/plain", "Transfer-Encoding: chunked"),
        "3\r\nbar\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    variants.add(put("Expect 100-continue", List.of("Content-Length: 3", "Expect: 100-continue"), BODY));
    variants.add(put("Expect 100-continue, Content-Length 0", List.of("Content-Length: 0", "Expect: 100-continue"),
        new byte[0]));
    variants.add(put("User-Agent present", List.of("User-Agent: Boto3/1.26.27 Python/3.11.2", "Content-Length: 3"),
        BODY));
    variants.add(put("User-Agent empty", List.of("User-Agent:", "Content-Length: 3"), BODY));
    variants.add(put("User-Agent absent", List.of("Content-Length: 3"), BODY));
    variants.add(put("all of them, lower-case names", List.of("content-type: application/x-www-form-urlencoded",
        "content-md5: " + MD5_OF_BODY, "content-length: 3", "expect: 100-continue", "user-agent: aws-cli/2.0"), BODY));
    variants.add(put("user metadata with spaces and repeats", List.of("x-amz-meta-Mixed-Case: Value  with  spaces",
        "x-amz-meta-list: one", "x-amz-meta-list: two", "Content-Length: 3"), BODY));
    variants.add(get("GET without any content header", List.of()));
    variants.add(get("GET with empty Content-MD5 and User-Agent", List.of("Content-MD5:", "User-Agent:")));
    variants.add(get("GET with Expect", List.of("Expect: 100-continue")));
    variants.add(request("DELETE with Expect and Content-Length 0", "DELETE /bkt/obj HTTP/1.1",
        List.of("Expect: 100-continue", "Content-Length: 0"), new byte[0]));
    variants.add(request("DELETE with Content-Length 0", "DELETE /bkt/obj HTTP/1.1", List.of("Content-Length: 0"),
        new byte[0]));
    variants.add(request("DELETE with Content-Length 0 and Content-Type", "DELETE /bkt/obj HTTP/1.1",
        List.of("Content-Length: 0", "Content-Type: text/plain"), new byte[0]));
    variants.add(get("GET with Content-Length 0", List.of("Content-Length: 0")));
    variants.add(request("HEAD with Content-Length 0", "HEAD /bkt/obj HTTP/1.1", List.of("Content-Length: 0"),
        new byte[0]));
    variants.add(request("POST with Content-Length 0", "POST /bkt/obj?uploads HTTP/1.1", List.of("Content-Length: 0"),
        new byte[0]));
    variants.add(put("PUT with Content-Type, Content-Length 0", List.of("Content-Type: text/plain", "Content-Length: 0"),
        new byte[0]));
    variants.add(get("GET with Connection keep-alive", List.of("Connection: keep-alive")));
    return variants;
  }

  private static Sent put(String name, List<String> headers, byte[] body) {
    return request(name, "PUT /bkt/obj HTTP/1.1", headers, body);
  }

  private static Sent get(String name, List<String> headers) {
    return request(name, "GET /bkt/obj HTTP/1.1", headers, new byte[0]);
  }

  private static Sent request(String name, String requestLine, List<String> headers, byte[] body) {
    List<String> head = new ArrayList<>();
    head.add(requestLine);
    head.add("Host: s3.example.test");
    head.add("Date: Sun, 01 Jun 2025 12:00:00 GMT");
    head.add("Authorization: AWS " + S3Backend.ACCESS_KEY + ":c2lnbmF0dXJlIG5vdCBjaGVja2VkIGhlcmU=");
    head.addAll(headers);
    return new Sent(name, head, body);
  }

  private static RecordingBackend.Recorded throughGateway(Sent sent) throws Exception {
    recorder.clear();
    RawHttp.Response response = RawHttp.exchange("127.0.0.1", gateway.httpPort, sent.head(), sent.body(), false);
    assertThat(response.status()).as("%s through the gateway: %s", sent.name(), response).isEqualTo(200);
    return only(sent);
  }

  private static RecordingBackend.Recorded only(Sent sent) {
    List<RecordingBackend.Recorded> seen = recorder.recorded();
    assertThat(seen).as("requests recorded for %s", sent.name()).hasSize(1);
    return seen.get(0);
  }

  /** {@code lower-case name:trimmed value}, the form both signature versions sign. */
  private static String normalized(String line) {
    int colon = line.indexOf(':');
    return colon < 0 ? line : name(line) + ":" + line.substring(colon + 1).trim();
  }

  private static String name(String line) {
    int colon = line.indexOf(':');
    return (colon < 0 ? line : line.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
  }

  private static List<String> minus(List<String> from, List<String> remove) {
    List<String> left = new ArrayList<>(from);
    remove.forEach(left::remove);
    return left;
  }
}

package org.s3gate.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Plain HTTP requests carrying a SigV4-shaped {@code Authorization} header for any access key: the
 * gateway limits by the key in the header before the backend checks the signature, so these are
 * counted and limited like real SDK requests, and then answered 403 by s3proxy when admitted
 * (the signature is not real), or 429 by the gateway when denied.
 *
 * <p>Thread-safe: the HTTP client is.
 */
final class SigV4Requests {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private SigV4Requests() {}

  static HttpResponse<String> get(String baseUrl, String path, String accessKey) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + accessKey
            + "/20250601/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature="
            + "0".repeat(64))
        .header("x-amz-date", "20250601T120000Z")
        .GET().build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  static int status(String baseUrl, String path, String accessKey) throws IOException, InterruptedException {
    return get(baseUrl, path, accessKey).statusCode();
  }
}

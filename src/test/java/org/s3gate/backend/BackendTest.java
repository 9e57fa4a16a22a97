package org.s3gate.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;

import org.eclipse.jetty.client.Origin;
import org.junit.jupiter.api.Test;

/** {@link Backend#requestBase()} is the URI Jetty's {@code HttpClient.newRequest(host, port)} builds per request. */
class BackendTest {
  @Test
  void requestBase_anyBackendUrl_sameAsJettysOriginForHostAndPort() {
    for (String url : List.of("http://127.0.0.1:9000", "http://minio1:9000", "https://s3.example.com",
        "http://localhost", "http://[::1]:9000", "https://[2001:db8::7]")) {
      Backend backend = new Backend(URI.create(url), Backend.Role.PRIMARY, 0);
      URI jetty = URI.create(new Origin("http", backend.host(), backend.port()).asString());
      assertThat(backend.requestBase()).as(url).isEqualTo(jetty);
      assertThat(backend.requestBase().getHost()).as(url).isEqualTo(jetty.getHost());
      assertThat(backend.requestBase().getPort()).as(url).isEqualTo(jetty.getPort());
    }
  }
}

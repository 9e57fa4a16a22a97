package org.s3gate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.junit.jupiter.api.Test;

/** The body chunk sizes and the pool that must hold them (a buffer above its largest size is allocated and zeroed anew). */
class ProxyClientsTest {
  @Test
  void newClient_defaults_bodyChunksOf64KiBBothWays() {
    HttpClient client = ProxyClients.newClient(new ClientConnector());
    assertThat(client.getRequestBufferSize()).isEqualTo(ProxyClients.BODY_BUFFER_BYTES).isEqualTo(64 * 1024);
    assertThat(client.getResponseBufferSize()).isEqualTo(ProxyClients.BODY_BUFFER_BYTES);
  }

  @Test
  void newClient_responseBuffer_comesBackToThePool() {
    HttpClient client = ProxyClients.newClient(new ClientConnector());
    RetainableByteBuffer first = client.getByteBufferPool().acquire(client.getResponseBufferSize(), true);
    ByteBuffer firstBuffer = first.getByteBuffer();
    first.release();
    RetainableByteBuffer second = client.getByteBufferPool().acquire(client.getResponseBufferSize(), true);
    assertThat(second.getByteBuffer()).isSameAs(firstBuffer);
    second.release();
  }
}

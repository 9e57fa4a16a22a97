package org.s3gate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServletRequest;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.AsyncContent;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The direct read path's contract with the proxy client's sender: chunks pass through as the
 * client's own buffers (no copy), every byte is counted once as it is read, a client failure is
 * recorded as the client's, and giving the proxied request up never fails the client's request.
 *
 * <p>Not thread-safe; JUnit runs it on one thread.
 */
class DirectRequestContentTest {
  private final SlowTransfers slowTransfers = new SlowTransfers();
  private final Map<String, Object> attributes = new HashMap<>();
  private final HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(
      getClass().getClassLoader(), new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
        case "setAttribute" -> attributes.put((String) args[0], args[1]);
        case "getAttribute" -> attributes.get((String) args[0]);
        default -> throw new UnsupportedOperationException(method.getName());
      });
  private final AtomicLong bytesIn = new AtomicLong();
  private final AsyncContent client = new AsyncContent();
  private final DirectRequestContent content = new DirectRequestContent(client,
      new ClientUpload(request, bytesIn::addAndGet, slowTransfers, null));

  @AfterEach
  void close() {
    slowTransfers.close();
  }

  @Test
  void read_chunks_passTheClientsBuffersOnAndCountEveryByteOnce() {
    ByteBuffer first = ByteBuffer.allocateDirect(65536);
    AtomicBoolean firstWritten = new AtomicBoolean();
    client.write(false, first, Callback.from(() -> firstWritten.set(true)));
    client.write(true, ByteBuffer.wrap(new byte[100]), Callback.NOOP);

    Content.Chunk chunk = content.read();
    assertThat(chunk.getByteBuffer().isDirect()).isTrue();
    assertThat(chunk.remaining()).isEqualTo(65536);
    assertThat(bytesIn).hasValue(65536);
    assertThat(firstWritten).as("the client's buffer is held until the sender releases it").isFalse();
    chunk.release();
    assertThat(firstWritten).isTrue();

    Content.Chunk last = content.read();
    assertThat(last.isLast()).isTrue();
    assertThat(bytesIn).hasValue(65636);
    last.release();
    assertThat(ClientUpload.failureOf(request)).isNull();
  }

  @Test
  void read_clientFailure_isRecordedAsTheClientsAndHandedOn() {
    EOFException early = new EOFException("early EOF");
    client.fail(early);

    Content.Chunk chunk = content.read();

    assertThat(Content.Chunk.isFailure(chunk)).isTrue();
    assertThat(chunk.getFailure()).isSameAs(early);
    assertThat(ClientUpload.failureOf(request)).isSameAs(early);
  }

  @Test
  void fail_proxiedRequestGivenUp_leavesTheClientsRequestAlone() {
    content.fail(new IllegalStateException("backend failed"));

    assertThat(client.isClosed()).isFalse();
    assertThat(ClientUpload.failureOf(request)).isNull();
  }

  @Test
  void demand_isDeclaredNonBlocking() {
    Runnable[] demanded = new Runnable[1];
    Content.Source source = new AsyncContent() {
      @Override
      public void demand(Runnable demandCallback) {
        demanded[0] = demandCallback;
      }
    };
    new DirectRequestContent(source, new ClientUpload(request, bytes -> { }, slowTransfers, null)).demand(() -> { });

    assertThat(Invocable.getInvocationType(demanded[0])).isEqualTo(InvocationType.NON_BLOCKING);
  }

  @Test
  void body_hasNoTypeAndNoLengthOfItsOwn() {
    assertThat(content.getContentType()).isNull();
    assertThat(content.getLength()).isEqualTo(-1);
  }
}

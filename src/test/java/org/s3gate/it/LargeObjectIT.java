package org.s3gate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Bodies are streamed, never buffered whole: a 256 MiB object goes up and comes back through a
 * gateway whose JVM has a 128 MiB heap, with equal SHA-256 both ways.
 */
class LargeObjectIT {
  private static final long SIZE = 256L * 1024 * 1024;

  private static S3Backend backend;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    backend = S3Backend.start("large-it-backend");
    gateway = Gateway.builder("large-it-gateway", backend.url()).heap("128m").start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(gateway, backend);
  }

  @Test
  void upload256MiB_throughGatewayWith128MiBHeap_downloadsWithEqualChecksum() throws Exception {
    try (S3Client s3 = S3Clients.client(gateway.url())) {
      s3.createBucket(b -> b.bucket("large"));
      MessageDigest sent = MessageDigest.getInstance("SHA-256");
      s3.putObject(b -> b.bucket("large").key("big.bin"),
          RequestBody.fromContentProvider(() -> new DigestInputStream(new PseudoRandomStream(SIZE, 42), sent),
              SIZE, "application/octet-stream"));
      byte[] sentDigest = sent.digest();

      MessageDigest received = MessageDigest.getInstance("SHA-256");
      long receivedBytes;
      try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket("large").key("big.bin"))) {
        assertThat(in.response().contentLength()).isEqualTo(SIZE);
        receivedBytes = new DigestInputStream(in, received).transferTo(java.io.OutputStream.nullOutputStream());
      }
      assertThat(receivedBytes).isEqualTo(SIZE);
      assertThat(received.digest()).isEqualTo(sentDigest);
    }
  }

  /** {@code size} bytes from a seeded PRNG, generated as read: the test itself holds no copy. */
  static final class PseudoRandomStream extends InputStream {
    private final Random random;
    private long remaining;
    private final byte[] block = new byte[64 * 1024];
    private int blockPosition = block.length;

    PseudoRandomStream(long size, long seed) {
      this.remaining = size;
      this.random = new Random(seed);
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      if (remaining <= 0) {
        return -1;
      }
      if (blockPosition == block.length) {
        random.nextBytes(block);
        blockPosition = 0;
      }
      int n = (int) Math.min(Math.min(length, block.length - blockPosition), remaining);
      System.arraycopy(block, blockPosition, buffer, offset, n);
      blockPosition += n;
      remaining -= n;
      return n;
    }
  }
}

package org.s3gate.proxy;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.RoundRobinConnectionPool;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * Builds the proxy's HTTP client to the backends, each choice measured (docs/BENCHMARKS.md).
 *
 * <ul>
 *   <li>HTTP/1.1 only: S3 backends speak nothing else, and the dynamic transport's protocol
 *       negotiation is overhead.
 *   <li>A round-robin connection pool: the default pool scans its connections from the first one,
 *       which under load walks past every busy connection on each request (~6% of the gateway's
 *       CPU in a profile at 32 concurrent requests).
 *   <li>Response listeners declared non-blocking, so the client's selector thread runs them itself
 *       instead of handing each response to another thread (a context switch per response, ~6% of
 *       CPU). Invariant this relies on: nothing the proxy does on a backend response blocks.
 *       Content is written to the client through the servlet's non-blocking output
 *       (AsyncProxyServlet waits for {@code onWritePossible} instead), metrics and the access log
 *       never wait, and the only blocking write, the S3 error body of a failed exchange, is a few
 *       hundred bytes into a fresh response, which fit the socket's send buffer.
 *   <li>An explicit buffer pool of {@value #POOLED_BUFFERS_PER_SIZE} idle buffers per size. Jetty
 *       derives this from the executor's thread count, but a client loaded from the WAR (Tomcat,
 *       or Jetty without the s3gate-proxy module) does not recognise the container's thread pool,
 *       which comes from another class loader, and falls back to 2 per size (2 x CPUs): with more
 *       than 2 responses in flight, every response then allocated and zeroed a new 16 KiB direct
 *       buffer (13 % of the gateway's CPU in a profile at 32 connections).
 *   <li>Bodies move in chunks of {@link #BODY_BUFFER_BYTES} both ways. Jetty's defaults, 4 KiB
 *       for request bodies and 16 KiB for response bodies, make an 8 MiB upload 2,048 trips
 *       through the read, offer, write and callback cycle (each with its system calls and, on
 *       one core, its thread wake-ups) and a 1 MiB download 64; HAProxy moves 16 KiB per trip
 *       but each trip costs it a fraction of ours. The buffers are pooled, so a request costs at
 *       most one such buffer per direction while its body is in flight.
 *   <li>Request heads up to {@link #MAX_REQUEST_HEAD_BYTES}, more than the server accepts.
 *   <li>No default request content type: Jetty's client would add {@code Content-Type:
 *       application/octet-stream} to a body that came without one, which breaks SigV2 signatures
 *       and changes the stored object's type.
 * </ul>
 *
 * <p>Immutable (static functions only).
 */
final class ProxyClients {
  private static final int POOLED_BUFFERS_PER_SIZE = 256;
  /**
   * The largest request head the client forwards: four times the 16 KiB the shipped jetty-base
   * accepts from clients (jetty.httpConfig.requestHeaderSize), so every head the server accepts
   * can be forwarded with the headers the proxy adds. Jetty's default, 8 KiB, refused 8-16 KiB heads
   * the server had accepted, and the client got a 503 blamed on the backend. The buffer grows to
   * this only for a head that needs it.
   */
  static final int MAX_REQUEST_HEAD_BYTES = 64 * 1024;
  /**
   * Request and response body chunk size. Bounded by the pool's largest size (buffers above it are
   * not pooled: each would be allocated and zeroed anew), so heap per transfer stays bounded too.
   */
  static final int BODY_BUFFER_BYTES = 64 * 1024;
  private static final int LARGEST_POOLED_BUFFER = BODY_BUFFER_BYTES;

  private ProxyClients() {}

  static HttpClient newClient(ClientConnector connector) {
    HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
    transport.setConnectionPoolFactory(destination ->
        new RoundRobinConnectionPool(destination, destination.getHttpClient().getMaxConnectionsPerDestination()));
    transport.setInvocationType(InvocationType.NON_BLOCKING);
    HttpClient client = new HttpClient(transport);
    client.setByteBufferPool(new ArrayByteBufferPool(0, 2048, LARGEST_POOLED_BUFFER, POOLED_BUFFERS_PER_SIZE));
    client.setRequestBufferSize(BODY_BUFFER_BYTES);
    client.setResponseBufferSize(BODY_BUFFER_BYTES);
    client.setDefaultRequestContentType(null); // a body without a type gets no Content-Type (UntypedRequestContent)
    client.setMaxRequestHeadersSize(MAX_REQUEST_HEAD_BYTES);
    return client;
  }
}

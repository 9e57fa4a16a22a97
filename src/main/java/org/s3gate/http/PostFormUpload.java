package org.s3gate.http;

import java.io.IOException;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.s3gate.identify.AccessKeyExtractor;
import org.s3gate.identify.CallerIdentity;
import org.s3gate.identify.PostFormPrefix;
import org.s3gate.policy.GatewaySettings;
import org.s3gate.policy.PolicySnapshot;

/**
 * A browser POST Object upload whose caller is named only inside its form: reads the fields ahead
 * of the {@code file} part without holding a thread (a {@link ReadListener} on the request's
 * input), then dispatches the request again (ASYNC) for the filter to decide with the identity
 * found; the proxy then reads the body through {@link ReplayedBodyRequest}, which replays the
 * bytes read here ahead of the rest.
 *
 * <p>The listener set here stays the input's only one (a servlet input takes one listener per
 * request): once the prefix is read it forwards the container's events to the proxy's listener.
 *
 * <p>Thread-safe: the container calls a read listener serially; the handover to the proxy's
 * listener is published through volatile fields.
 */
final class PostFormUpload implements ReadListener {
  static final String ATTRIBUTE = PostFormUpload.class.getName();
  private static final int READ_BYTES = 8192;

  private final AsyncContext async;
  private final ServletInputStream input;
  private final PostFormPrefix prefix;
  private final PolicySnapshot policy; // the request's one snapshot, read before its form
  private final byte[] buffer = new byte[READ_BYTES];
  private volatile boolean dispatched;
  private volatile boolean inputEnded;
  private volatile ReadListener downstream;
  private volatile boolean endForwarded; // the proxy's listener was told the body ended

  private PostFormUpload(AsyncContext async, ServletInputStream input, PolicySnapshot policy, PostFormPrefix prefix) {
    this.async = async;
    this.policy = policy;
    this.input = input;
    this.prefix = prefix;
  }

  /**
   * Starts reading the form of {@code request} if it is a POST upload that names no caller in
   * its headers or query; returns false (nothing started) otherwise.
   */
  static boolean start(HttpServletRequest request, PolicySnapshot policy) throws IOException {
    if (!"POST".equals(request.getMethod()) || request.getAttribute(ATTRIBUTE) != null) {
      return false;
    }
    String boundary = PostFormPrefix.boundary(request.getContentType());
    if (boundary == null || !AccessKeyExtractor.identify(request.getHeader("Authorization"),
        request.getQueryString(), request.getHeader("X-API-Key"), request.getHeader("X-Access-Key-Id")).anonymous()) {
      return false;
    }
    AsyncContext async = request.startAsync();
    // The proxy's own async cycle (after the dispatch) sets its own timeout; this one bounds only
    // the prefix, which the proxy's slow-transfer watcher does not see yet.
    async.setTimeout(prefixDeadlineMillis(policy.settings()));
    ServletInputStream input = request.getInputStream();
    PostFormUpload upload = new PostFormUpload(async, input, policy,
        new PostFormPrefix(boundary, policy.settings().postIdentifyMaxBytes()));
    request.setAttribute(ATTRIBUTE, upload);
    async.addListener(upload.new PrefixDeadline());
    input.setReadListener(upload);
    return true;
  }

  /** The upload of a request dispatched again by {@link #start}, or null. */
  static PostFormUpload of(HttpServletRequest request) {
    // only a POST can have one: the other methods (nearly every request) skip the attribute look-up
    return "POST".equals(request.getMethod()) ? (PostFormUpload) request.getAttribute(ATTRIBUTE) : null;
  }

  PolicySnapshot policy() {
    return policy;
  }

  CallerIdentity identity() {
    return prefix.identity();
  }

  @Override
  public void onDataAvailable() throws IOException {
    if (dispatched) {
      ReadListener next = downstream;
      if (next != null) {
        next.onDataAvailable();
      }
      return;
    }
    while (!prefix.done() && input.isReady()) {
      int count = input.read(buffer);
      if (count < 0) {
        break;
      }
      prefix.feed(buffer, 0, count);
    }
    if (prefix.done()) {
      dispatch();
    }
  }

  @Override
  public void onAllDataRead() throws IOException {
    inputEnded = true;
    if (!dispatched) {
      prefix.end();
      dispatch();
      return;
    }
    ReadListener next = downstream;
    if (next != null && !endForwarded) {
      endForwarded = true;
      next.onAllDataRead();
    }
  }

  @Override
  public void onError(Throwable failure) {
    ReadListener next = downstream;
    if (next != null) {
      next.onError(failure);
    } else if (!dispatched) {
      dispatched = true;
      async.complete(); // the client went away before its form was read: nothing to forward
    }
  }

  private void dispatch() {
    dispatched = true;
    async.dispatch();
  }

  /**
   * How long the form prefix may take: the time {@code request.min_rate} allows for
   * {@code post.identify.max_bytes}, plus {@code min_rate.window} of grace (the same rule the proxy
   * applies to the rest of the body); 0 (no deadline) when {@code request.min_rate} is off. Without
   * it a client trickling its fields would keep an async context and up to
   * {@code post.identify.max_bytes} of buffer until the connector's idle timeout, per connection.
   */
  static long prefixDeadlineMillis(GatewaySettings settings) {
    long minRate = settings.requestMinRate();
    if (minRate <= 0) {
      return 0;
    }
    return settings.minRateWindow().toMillis() + (settings.postIdentifyMaxBytes() * 1000L + minRate - 1) / minRate;
  }

  /** Answers a form prefix that missed its deadline with S3's {@code RequestTimeout}; nothing is forwarded. */
  private final class PrefixDeadline implements AsyncListener {
    @Override
    public void onTimeout(AsyncEvent event) throws IOException {
      if (dispatched) { // the container runs this and the read callbacks one at a time per request
        return;
      }
      dispatched = true; // the read listener forwards nothing from now on
      HttpServletResponse response = (HttpServletResponse) event.getSuppliedResponse();
      response.setHeader("Connection", "close");
      S3ErrorResponse.send(response, 400, "RequestTimeout",
          "Your socket connection to the server was not read from or written to within the timeout period.",
          null, null);
      async.complete();
    }

    @Override
    public void onComplete(AsyncEvent event) {}

    @Override
    public void onError(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }

  /** The body for the proxy: the bytes read here, then the rest of the input. */
  ServletInputStream replay() {
    return new ReplayedInput(prefix.fed());
  }

  private final class ReplayedInput extends ServletInputStream {
    private final byte[] head;
    private int position;

    ReplayedInput(byte[] head) {
      this.head = head;
    }

    @Override
    public boolean isFinished() {
      return position == head.length && (inputEnded || input.isFinished());
    }

    @Override
    public boolean isReady() {
      return position < head.length || inputEnded || input.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      downstream = listener;
      // The container will not call onDataAvailable for bytes already read: start the listener.
      async.start(() -> {
        try {
          listener.onDataAvailable();
        } catch (IOException | RuntimeException e) {
          listener.onError(e);
        }
      });
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int count) throws IOException {
      if (position < head.length) {
        int n = Math.min(count, head.length - position);
        System.arraycopy(head, position, bytes, offset, n);
        position += n;
        return n;
      }
      if (!inputEnded) {
        return input.read(bytes, offset, count);
      }
      if (!endForwarded && downstream != null) {
        endForwarded = true; // the container signalled the end to us before the proxy listened
        ReadListener listener = downstream;
        async.start(() -> {
          try {
            listener.onAllDataRead();
          } catch (IOException | RuntimeException e) {
            listener.onError(e);
          }
        });
      }
      return -1;
    }
  }
}

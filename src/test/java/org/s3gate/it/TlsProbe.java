package org.s3gate.it;

import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A TLS handshake with only the given protocol enabled, run by {@link TlsIT} in a JVM of its own
 * (started with {@code -Djava.security.properties} that re-allows TLS 1.0/1.1, which the JDK
 * disables for clients too, without touching the test JVM). Prints {@code OK <protocol>} or
 * {@code FAILED <exception>}. Trusts any certificate: only the protocol negotiation matters here.
 *
 * <p>Not thread-safe; a main program.
 */
public final class TlsProbe {
  private TlsProbe() {}

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String protocol = args[2];
    TrustManager trustAll = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {trustAll}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      socket.startHandshake();
      System.out.println("OK " + socket.getSession().getProtocol() + " " + socket.getSession().getCipherSuite());
    } catch (Exception e) {
      System.out.println("FAILED " + e);
    }
  }
}

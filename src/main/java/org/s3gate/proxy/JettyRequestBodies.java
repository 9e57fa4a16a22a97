package org.s3gate.proxy;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRequest;

import org.eclipse.jetty.io.Content;

/**
 * On Jetty 12's ee10 environment, the client's body as the container's own chunks: the core
 * request under a servlet request, the {@link Content.Source} that ee10's {@code HttpInput} itself
 * reads ({@code ServletChannel.getRequest()}), so the proxy can forward each chunk's buffer as
 * Jetty received it ({@link DirectRequestContent}) instead of copying it into a {@code byte[]}
 * through {@code ServletInputStream.read} and back out through the JDK's temporary direct buffer.
 *
 * <h2>Design</h2>
 * The webapp sees none of Jetty's server classes (webapps/s3gate.xml exposes util, io, http, the
 * client and the ee10 proxy), and the WAR must not need them on Tomcat, so the three accessors
 * ({@code ServletContextRequest.getServletContextRequest}, {@code getServletChannel},
 * {@code ServletChannel.getRequest}) are method handles bound once, by {@link #probe}, through the
 * class loader of the container's {@link ServletContext}. The choice is made once per servlet,
 * never per chunk: {@link #probe} answers null, and the servlet path stays, unless
 * <ul>
 *   <li>the container is Jetty 12 ee10 (the classes and methods exist), and
 *   <li>its core {@code Request} is a {@link Content.Source} of the same class the webapp links
 *       against: one jetty-io in the JVM, which webapps/s3gate.xml arranges (a WAR deployed with its
 *       own jetty-io would see two unrelated {@code Content} classes).
 * </ul>
 * Per request, {@link #sourceOf} answers only for the container's own request object: a wrapped
 * request (a POST upload replays its body through {@code ReplayedBodyRequest}) keeps the servlet
 * path, as what it reads is not the connection's.
 *
 * <p>Thread-safe: immutable once built.
 */
final class JettyRequestBodies {
  private static final System.Logger LOG = System.getLogger(S3ProxyServlet.class.getName());
  private static final String EE10 = "org.eclipse.jetty.ee10.servlet.";

  private final Class<?> containerRequestClass;
  /** (ServletRequest) -> Content.Source: the core request under the container's request. */
  private final MethodHandle coreRequest;

  private JettyRequestBodies(Class<?> containerRequestClass, MethodHandle coreRequest) {
    this.containerRequestClass = containerRequestClass;
    this.coreRequest = coreRequest;
  }

  /** The direct path for this container, or null (not Jetty ee10, or another jetty-io than the webapp's). */
  static JettyRequestBodies probe(ServletContext context) {
    ClassLoader container = context.getClass().getClassLoader();
    try {
      Class<?> apiRequest = Class.forName(EE10 + "ServletApiRequest", false, container);
      Class<?> contextRequest = Class.forName(EE10 + "ServletContextRequest", false, container);
      Class<?> channel = Class.forName(EE10 + "ServletChannel", false, container);
      Class<?> coreRequest = Class.forName("org.eclipse.jetty.server.Request", false, container);
      if (!Content.Source.class.isAssignableFrom(coreRequest)) {
        LOG.log(Level.INFO, "client bodies through the servlet API: the server's jetty-io is not the webapp's");
        return null;
      }
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      MethodHandle toContextRequest = lookup.findStatic(contextRequest, "getServletContextRequest",
          MethodType.methodType(contextRequest, ServletRequest.class));
      MethodHandle toChannel = lookup.findVirtual(contextRequest, "getServletChannel", MethodType.methodType(channel));
      MethodHandle toCoreRequest = lookup.findVirtual(channel, "getRequest", MethodType.methodType(coreRequest));
      MethodHandle chain = MethodHandles.filterReturnValue(MethodHandles.filterReturnValue(toContextRequest, toChannel),
          toCoreRequest);
      LOG.log(Level.INFO, "client bodies: Jetty's own chunks, forwarded without a copy");
      return new JettyRequestBodies(apiRequest,
          chain.asType(MethodType.methodType(Content.Source.class, ServletRequest.class)));
    } catch (ClassNotFoundException | LinkageError | NoSuchMethodException | IllegalAccessException e) {
      LOG.log(Level.INFO, "client bodies through the servlet API (not Jetty 12 ee10: {0})", e.toString());
      return null;
    }
  }

  /**
   * The core request the container's own {@code request} reads its body from, or null for any
   * other request (a wrapper), which then goes through the servlet API.
   */
  Content.Source sourceOf(ServletRequest request) {
    if (!containerRequestClass.isInstance(request)) {
      return null;
    }
    try {
      return (Content.Source) coreRequest.invokeExact(request);
    } catch (Throwable e) {
      LOG.log(Level.DEBUG, "no core request under " + request.getClass().getName(), e);
      return null;
    }
  }
}

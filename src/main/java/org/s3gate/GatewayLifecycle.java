package org.s3gate;

import java.io.IOException;
import java.io.Reader;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import org.s3gate.proxy.BackendHealthChecker;
import org.s3gate.proxy.BackendPool;
import org.s3gate.proxy.S3ProxyServlet;

/**
 * Builds the gateway when the webapp starts and tears it down when it stops: configuration,
 * backends and their health checks, published as servlet-context attributes for the filter and
 * servlets. Everything started here is stopped in {@link #contextDestroyed}, so a redeploy leaks
 * no thread.
 *
 * <p>Thread-safe: the container calls it once to start and once to stop.
 */
public final class GatewayLifecycle implements ServletContextListener {
  private static final System.Logger LOG = System.getLogger(GatewayLifecycle.class.getName());

  private BackendHealthChecker healthChecker;

  @Override
  public void contextInitialized(ServletContextEvent event) {
    ServletContext context = event.getServletContext();
    Path confDir = confDir(context);
    Properties settings = loadSettings(confDir.resolve("gateway.properties"));
    String backendUrls = System.getenv("S3GATE_BACKEND");
    if (backendUrls == null || backendUrls.isBlank()) {
      backendUrls = settings.getProperty("backend.urls", "http://127.0.0.1:9000");
    }
    List<URI> urls = Arrays.stream(backendUrls.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(URI::create).toList();
    BackendPool pool = new BackendPool(urls);
    healthChecker = new BackendHealthChecker(pool, settings.getProperty("backend.health.path", "/minio/health/live"),
        Duration.ofSeconds(1), Duration.ofSeconds(2));
    context.setAttribute(S3ProxyServlet.BACKEND_POOL_ATTRIBUTE, pool);
    LOG.log(Level.INFO, "s3gate started: configuration {0}, backends {1}", confDir, pool.backends());
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    if (healthChecker != null) {
      healthChecker.close();
    }
    LOG.log(Level.INFO, "s3gate stopped");
  }

  private static Path confDir(ServletContext context) {
    String dir = System.getProperty("s3gate.conf.dir");
    if (dir == null || dir.isBlank()) {
      dir = System.getenv("S3GATE_CONF");
    }
    if (dir == null || dir.isBlank()) {
      dir = context.getInitParameter("s3gate.conf.dir.default");
    }
    return Path.of(dir == null || dir.isBlank() ? "conf" : dir).toAbsolutePath().normalize();
  }

  private static Properties loadSettings(Path file) {
    Properties properties = new Properties();
    if (Files.exists(file)) {
      try (Reader reader = Files.newBufferedReader(file)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    return properties;
  }
}

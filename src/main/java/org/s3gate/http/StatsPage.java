package org.s3gate.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The stats page, {@code GET /_s3gate/}: one HTML response with its style and script inline, so
 * it needs nothing but this gateway (no external script, font or style; it works on a host with
 * no internet). The script polls {@code stats.json} every two seconds and redraws the figures in
 * place. It writes every server value with {@code textContent} (or as an SVG attribute), never as
 * markup, so client-chosen keys and paths are shown as text; nothing is rendered into the HTML on
 * the server.
 *
 * <p>The page is assembled once from {@code stats-page.html}, {@code .css} and {@code .js} beside
 * this class. Its {@code Content-Security-Policy} allows exactly that inline style and script (by
 * their SHA-256 hashes) and requests to this origin only, so even an injected element could not
 * run or load anything. The page names an empty icon, so browsers do not ask for
 * {@code /favicon.ico}, which would be an S3 request counted against the {@code unknown} key.
 *
 * <p>Immutable.
 */
final class StatsPage {
  private static final StatsPage INSTANCE = load();

  private final byte[] html;
  private final String contentSecurityPolicy;

  private StatsPage(byte[] html, String contentSecurityPolicy) {
    this.html = html;
    this.contentSecurityPolicy = contentSecurityPolicy;
  }

  static StatsPage get() {
    return INSTANCE;
  }

  byte[] html() {
    return html.clone();
  }

  /** The policy sent with the page: its own inline style and script, requests to this origin. */
  String contentSecurityPolicy() {
    return contentSecurityPolicy;
  }

  private static StatsPage load() {
    String template = resource("stats-page.html");
    String style = resource("stats-page.css");
    String script = resource("stats-page.js");
    String page = template.replace("{{style}}", style).replace("{{script}}", script);
    String policy = "default-src 'none'; script-src '" + sha256(script) + "'; style-src '" + sha256(style)
        + "'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    return new StatsPage(page.getBytes(StandardCharsets.UTF_8), policy);
  }

  private static String resource(String name) {
    try (InputStream in = StatsPage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource org/s3gate/http/" + name + " (is it in the WAR?)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource org/s3gate/http/" + name, e);
    }
  }

  private static String sha256(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}

package org.s3gate.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses {@code security.hsts} and the {@code security.header.NAME} keys into
 * {@link SecurityHeaderSettings}. A header name must be an HTTP token and must not be one whose
 * meaning S3 clients or HTTP framing depend on; a value must have no control characters; an empty
 * value means the header is not sent (so a default can be switched off).
 *
 * <p>Not thread-safe; confined to the compile that owns its {@link SettingsReader}.
 */
final class SecurityHeadersParser {
  /** Refused whole names (lower case). */
  private static final Set<String> RESERVED = Set.of("connection", "keep-alive", "transfer-encoding", "te",
      "trailer", "upgrade", "host", "date", "etag", "last-modified", "location", "retry-after", "server", "via",
      "accept-ranges", "cache-control", "expires", "vary", "x-api-key", "x-auth-method",
      SecurityHeaderSettings.HSTS_HEADER.toLowerCase(Locale.ROOT));
  /** Refused name prefixes (lower case). */
  private static final List<String> RESERVED_PREFIXES = List.of("content-", "x-amz-", "x-ratelimit-", "access-control-",
      "x-minio-");

  private final SettingsReader settings;

  SecurityHeadersParser(SettingsReader settings) {
    this.settings = settings;
  }

  /** Null when a value is invalid (the reasons are in the reader's problems). */
  SecurityHeaderSettings parse() {
    boolean ok = true;
    RawEntry hstsEntry = settings.entry(SettingKeys.SECURITY_HSTS);
    String hsts = hstsEntry == null ? null : hstsEntry.value();
    if (hsts != null && Values.hasControlChar(hsts)) {
      settings.bad(SettingKeys.SECURITY_HSTS, hsts, "must be a header value without control characters, "
          + "e.g. max-age=31536000, or empty for none");
      ok = false;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String key : settings.keys()) {
      if (!key.startsWith(SettingKeys.SECURITY_HEADER_PREFIX)) {
        continue;
      }
      String name = key.substring(SettingKeys.SECURITY_HEADER_PREFIX.length());
      String value = settings.entry(key).value();
      String rule = nameRule(name);
      if (rule == null && Values.hasControlChar(value)) {
        rule = "value must not contain control characters";
      }
      if (rule != null) {
        settings.bad(key, value, rule);
        ok = false;
      } else if (!value.isEmpty()) {
        headers.put(name, value);
      }
    }
    return ok && hsts != null ? new SecurityHeaderSettings(hsts, headers) : null;
  }

  private static String nameRule(String name) {
    if (name.isEmpty() || !name.chars().allMatch(SecurityHeadersParser::isTokenChar)) {
      return "header name '" + name + "' is not an HTTP token";
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (RESERVED.contains(lower) || RESERVED_PREFIXES.stream().anyMatch(lower::startsWith)) {
      return "header " + name + " is not a security header the gateway may set (S3 clients or HTTP depend on it"
          + (lower.equals("strict-transport-security") ? "; use security.hsts" : "") + ")";
    }
    return null;
  }

  private static boolean isTokenChar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}

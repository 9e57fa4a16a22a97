package org.s3gate.stats;

/**
 * One denied request as the stats page lists it. The path is the request's raw path without its
 * query (a presigned URL carries its signature in the query), cut to {@link RecentDenials#MAX_PATH_CHARS}.
 * Key and path are text from the client: whoever shows them escapes them.
 *
 * <p>Immutable.
 *
 * @param sequence the order denials were recorded in (0, 1, ...), newest highest
 * @param epochMillis when it was decided (wall clock, from the request's {@code nowNanos})
 * @param key the access key it was charged to ({@code unknown} when none was found)
 * @param group the key's group
 * @param reason the verdict label: {@code denied_per_second}, {@code denied_per_minute},
 *     {@code denied_concurrent} or {@code rejected}
 * @param method the request method
 * @param path the raw path, without the query string
 */
record Denial(long sequence, long epochMillis, String key, String group, String reason, String method,
    String path) {}

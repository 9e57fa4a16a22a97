package org.s3gate.admit;

import java.util.ArrayList;
import java.util.List;

/** A request for the admission tests of the limit dimensions: method, raw path, TCP peer and headers. */
record DimensionRequest(String method, String rawPath, String remoteAddress, List<String[]> headers)
    implements RequestFacts {

  static DimensionRequest of(String method, String path, String peer, String... nameValues) {
    List<String[]> headers = new ArrayList<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      headers.add(new String[] {nameValues[i], nameValues[i + 1]});
    }
    return new DimensionRequest(method, path, peer, headers);
  }

  @Override
  public String rawQuery() {
    return null;
  }

  @Override
  public String header(String name) {
    List<String> values = headerValues(name);
    return values.isEmpty() ? null : values.get(0);
  }

  @Override
  public List<String> headerValues(String name) {
    return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
  }
}

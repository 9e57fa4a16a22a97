package org.s3gate.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class JsonWriterTest {

  @Test
  void nestedMembers_getTheirCommasAndHostileTextStaysInsideItsString() {
    StringBuilder out = new StringBuilder();
    new JsonWriter(out).beginObject()
        .name("a").value(1)
        .name("list").beginArray().value("x").beginObject().endObject().value(2.5).nullValue().endArray()
        .name("key\"").value("</script>\"\\\n")
        .name("nan").value(Double.NaN)
        .name("at").value(Instant.EPOCH)
        .name("none").value((Instant) null)
        .name("empty").beginArray().endArray()
        .endObject();

    assertThat(out).hasToString("{\"a\":1,\"list\":[\"x\",{},2.5,null],\"key\\\"\":\"</script>\\\"\\\\\\u000a\","
        + "\"nan\":null,\"at\":\"1970-01-01T00:00:00Z\",\"none\":null,\"empty\":[]}");
  }
}

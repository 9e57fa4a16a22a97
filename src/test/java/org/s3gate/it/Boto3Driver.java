package org.s3gate.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * boto3, the AWS SDK for Python, as a client of the transparency tests: one
 * {@code /usr/bin/python3 src/test/resources/transparency/boto3_driver.py} process for the whole
 * test class, sent one JSON request per line and answering one line each (status, S3 error code,
 * SHA-256 of a GET's body, detail). {@code /usr/bin/python3} explicitly: Debian's
 * {@code python3-boto3} installs into its site-packages, and a {@code python3} found first on the
 * PATH (pyenv) may not have it. Without boto3 the test fails (never skips) saying what to install.
 *
 * <p>Not thread-safe: one request at a time, from the test thread.
 */
final class Boto3Driver implements AutoCloseable {
  static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final long ANSWER_TIMEOUT_SECONDS = 60;
  private static final String END = "\u0000end";

  /** One boto3 answer; {@code bodySha256} is "-" unless a GET succeeded. */
  record Answer(int status, String code, String bodySha256, String detail) {}

  private final Process process;
  private final OutputStream stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Path log;

  private Boto3Driver(Process process, Path log) {
    this.process = process;
    this.stdin = process.getOutputStream();
    this.log = log;
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      } finally {
        lines.add(END);
      }
    }, "boto3-driver-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts the driver, failing with what to install when /usr/bin/python3 or boto3 is missing. */
  static Boto3Driver start() throws IOException, InterruptedException {
    if (!Files.isExecutable(PYTHON)) {
      throw new IllegalStateException(PYTHON + " is missing: install python3 and python3-boto3"
          + " (apt-get install -y python3 python3-boto3; .ci/run does this)");
    }
    Process check = new ProcessBuilder(PYTHON.toString(), "-c", "import boto3").redirectErrorStream(true).start();
    if (!check.waitFor(30, TimeUnit.SECONDS) || check.exitValue() != 0) {
      String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      check.destroyForcibly();
      throw new IllegalStateException(PYTHON + " cannot import boto3: install python3-boto3"
          + " (apt-get install -y python3-boto3; .ci/run does this): " + output.trim());
    }
    Path script = ManagedProcess.ROOT.resolve("src/test/resources/transparency/boto3_driver.py");
    Path log = ManagedProcess.ROOT.resolve("target/it-logs/boto3-driver.log");
    Files.createDirectories(log.getParent());
    Process process = new ProcessBuilder(PYTHON.toString(), script.toString())
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    return new Boto3Driver(process, log);
  }

  /** Runs {@code op} against {@code endpoint} and waits (bounded) for its answer. */
  Answer call(String endpoint, String signature, String op, String bucket, String key, Map<String, Object> params)
      throws IOException, InterruptedException {
    String request = "{\"endpoint\":" + json(endpoint) + ",\"signature\":" + json(signature) + ",\"op\":" + json(op)
        + ",\"bucket\":" + json(bucket) + ",\"key\":" + json(key) + ",\"params\":" + json(params) + "}\n";
    stdin.write(request.getBytes(StandardCharsets.UTF_8));
    stdin.flush();
    String line = lines.poll(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (line == null || line.equals(END)) {
      throw new IllegalStateException("boto3 driver gave no answer to " + request.trim() + " within "
          + ANSWER_TIMEOUT_SECONDS + " s (see " + log + ")");
    }
    String[] fields = line.split("\t", 4);
    return new Answer(Integer.parseInt(fields[0]), fields[1].equals("-") ? null : fields[1], fields[2],
        fields.length > 3 ? fields[3] : "");
  }

  @Override
  public void close() throws InterruptedException {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // the process is gone already
    }
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** JSON text for null, String, Number, Boolean, List and Map values. */
  static String json(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    if (value instanceof Map<?, ?> map) {
      StringBuilder out = new StringBuilder("{");
      map.forEach((k, v) ->
          out.append(out.length() > 1 ? "," : "").append(json(k.toString())).append(':').append(json(v)));
      return out.append('}').toString();
    }
    if (value instanceof List<?> list) {
      StringBuilder out = new StringBuilder("[");
      list.forEach(v -> out.append(out.length() > 1 ? "," : "").append(json(v)));
      return out.append(']').toString();
    }
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toString().toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}

package org.s3gate.cluster;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Records what one class logs through {@code System.Logger} (backed by JUL in tests), formatted as
 * an operator would read it, so a test can assert on the ERROR lines of an outage.
 *
 * <p>Thread-safe: records arrive on Lettuce's and the probe's threads.
 */
final class LogCapture extends Handler implements AutoCloseable {
  private static final SimpleFormatter FORMAT = new SimpleFormatter();

  private final Logger logger;
  private final Level previousLevel;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  private LogCapture(Logger logger) {
    this.logger = logger;
    this.previousLevel = logger.getLevel();
    setLevel(Level.ALL);
    logger.setLevel(Level.ALL);
    logger.addHandler(this);
  }

  static LogCapture of(Class<?> type) {
    return new LogCapture(Logger.getLogger(type.getName()));
  }

  /** The formatted messages logged at ERROR (JUL's SEVERE). */
  List<String> errors() {
    return records.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(FORMAT::formatMessage).toList();
  }

  /** Every formatted message, at any level. */
  List<String> all() {
    return records.stream().map(r -> r.getLevel() + " " + FORMAT.formatMessage(r)).toList();
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
    logger.setLevel(previousLevel);
  }
}

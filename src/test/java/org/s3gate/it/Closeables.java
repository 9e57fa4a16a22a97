package org.s3gate.it;

/** Closing what a test class started, in order. Static functions only. */
final class Closeables {
  private Closeables() {}

  /**
   * Closes every non-null item in order (clients before the gateway before its backends), even when
   * one fails; rethrows the first failure with the others suppressed.
   */
  static void closeAll(AutoCloseable... items) throws Exception {
    Exception first = null;
    for (AutoCloseable item : items) {
      if (item == null) {
        continue;
      }
      try {
        item.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}

package org.s3gate.policy;

import java.util.List;

/**
 * The client addresses of {@code allowlist.lst}: IPv4 and IPv6 addresses and CIDR blocks whose
 * clients are never tracked or limited per client address (the address budget of unlisted keys,
 * the per-IP table and rules); their access keys' limits still apply unless
 * {@code allowlist.skip_key_limits=true}.
 *
 * <p>Design: a linear scan over the blocks, after one parse of the address. Cost: nothing when the
 * list is empty (the common case, checked first); else one parse (a 4- or 16-byte array) and at
 * most one comparison of up to 16 bytes per block, so an allow-list of a few dozen blocks costs well
 * under a microsecond. It is meant for a handful of trusted networks (monitoring, internal batch
 * hosts), not for thousands of entries.
 *
 * <p>Immutable.
 */
public final class Allowlist {

  /** The list of a missing or comment-only {@code allowlist.lst}. */
  public static final Allowlist EMPTY = new Allowlist(List.of());

  private final List<Cidr> blocks;

  public Allowlist(List<Cidr> blocks) {
    this.blocks = List.copyOf(blocks);
  }

  /** Whether the literal address (as {@code admit/ClientAddress} resolves it) is listed; false for a non-literal. */
  public boolean contains(String literalIp) {
    if (blocks.isEmpty() || literalIp == null) {
      return false;
    }
    byte[] address = Cidr.parseLiteral(literalIp);
    if (address == null) {
      return false;
    }
    for (Cidr block : blocks) {
      if (block.containsAddress(address)) {
        return true;
      }
    }
    return false;
  }

  /** The blocks in file order (duplicates dropped). */
  public List<Cidr> blocks() {
    return blocks;
  }

  public int size() {
    return blocks.size();
  }

  @Override
  public String toString() {
    return "Allowlist" + blocks;
  }
}

package org.s3gate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class CidrTest {

  @Test
  void parse_bareIpv4_isSingleHost() {
    Cidr c = Cidr.parse("127.0.0.1");
    assertThat(c).hasToString("127.0.0.1/32");
    assertThat(c.contains("127.0.0.1")).isTrue();
    assertThat(c.contains("127.0.0.2")).isFalse();
  }

  @Test
  void parse_hostBitsSet_areCleared() {
    Cidr c = Cidr.parse("127.0.0.1/8");
    assertThat(c).hasToString("127.0.0.0/8").isEqualTo(Cidr.parse("127.0.0.0/8"));
    assertThat(c.contains("127.255.1.2")).isTrue();
    assertThat(c.contains("128.0.0.1")).isFalse();
  }

  @Test
  void contains_oddPrefix_comparesPartialByte() {
    Cidr c = Cidr.parse("10.0.0.0/9");
    assertThat(c.contains("10.127.255.255")).isTrue();
    assertThat(c.contains("10.128.0.0")).isFalse();
  }

  @Test
  void contains_ipv6Forms_matchIpv6Blocks() throws Exception {
    Cidr loopback = Cidr.parse("::1/128");
    assertThat(loopback.contains("::1")).isTrue();
    assertThat(loopback.contains("[0:0:0:0:0:0:0:1]")).isTrue();
    assertThat(loopback.contains(InetAddress.getByName("::1"))).isTrue();
    assertThat(Cidr.parse("fe80::/10").contains("fe80::1%eth0")).isTrue();
    assertThat(loopback.contains("127.0.0.1")).isFalse();
  }

  @Test
  void contains_ipv4MappedIpv6_matchesIpv4Block() {
    assertThat(Cidr.parse("127.0.0.0/8").contains("::ffff:127.0.0.1")).isTrue();
  }

  @Test
  void contains_notALiteral_isFalseWithoutLookup() {
    Cidr all = Cidr.parse("0.0.0.0/0");
    assertThat(all.contains("localhost")).isFalse();
    assertThat(all.contains("abc")).isFalse();
    assertThat(all.contains("1.2.3")).isFalse();
    assertThat(all.contains("01.2.3.4")).isFalse();
    assertThat(all.contains((String) null)).isFalse();
    assertThat(all.contains("1.2.3.4")).isTrue();
  }

  @Test
  void parse_badInput_explainsRule() {
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("0..32");
    assertThatThrownBy(() -> Cidr.parse("::/129")).hasMessageContaining("0..128");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.256")).hasMessageContaining("not an IPv4 or IPv6 address");
    assertThatThrownBy(() -> Cidr.parse("example.com/8")).hasMessageContaining("not an IPv4 or IPv6 address");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).hasMessageContaining("prefix length");
  }
}

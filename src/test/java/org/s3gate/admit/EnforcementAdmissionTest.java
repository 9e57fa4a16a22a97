package org.s3gate.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.s3gate.config.ConfigReloader;
import org.s3gate.limit.ClientIpTable;
import org.s3gate.limit.CounterTable;
import org.s3gate.policy.PolicySnapshot;

/** The allow-list and shadow mode in the admission core, with configurations loaded from real files. */
class EnforcementAdmissionTest {
  private static final String LISTED_KEY = "FQ4IU19ZFZ3470XJ7GBF";
  private static final long SECOND = 1_000_000_000L;

  @TempDir
  Path dir;

  /** A signed request from {@code address} under {@code key} (null: an unsigned request). */
  record Request(String method, String address, String key) implements RequestFacts {
    @Override
    public String rawPath() {
      return "/bucket/object";
    }

    @Override
    public String rawQuery() {
      return null;
    }

    @Override
    public String remoteAddress() {
      return address;
    }

    @Override
    public String header(String name) {
      return name.equalsIgnoreCase("Authorization") && key != null ? "AWS4-HMAC-SHA256 Credential=" + key
          + "/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc" : null;
    }

    @Override
    public List<String> headerValues(String name) {
      String value = header(name);
      return value == null ? List.of() : List.of(value);
    }
  }

  private PolicySnapshot load(String gateway, String allowlist) throws IOException {
    Files.writeString(dir.resolve("gateway.properties"), "reload.interval 1h\n" + gateway);
    Files.writeString(dir.resolve("api_key_groups.map"), LISTED_KEY + " basic\n");
    Files.writeString(dir.resolve("rate_limits_per_minute.map"), "basic 100\nunknown 100\n");
    Files.writeString(dir.resolve("rate_limits_per_second.map"), "basic 3\nunknown 3\n");
    Files.writeString(dir.resolve("allowlist.lst"), allowlist);
    try (ConfigReloader config = ConfigReloader.start(dir, Map.of())) {
      return config.store().current();
    }
  }

  private static List<Outcome> send(Admission admission, PolicySnapshot policy, Request request, int times) {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      outcomes.add(admission.decide(request, policy, SECOND + i));
    }
    return outcomes;
  }

  @Test
  void decide_allowlistedAddress_skipsTheAddressBudgetButKeepsTheKeyLimits() throws IOException {
    // anonymous.group is unknown: 3/s per address for unlisted keys
    PolicySnapshot policy = load("", "# trusted\n10.0.0.0/8   # office\n2001:db8::/32\n");
    Admission admission = new Admission(new CounterTable(100));
    List<Outcome> rotating = new ArrayList<>();
    for (int i = 0; i < 6; i++) { // six invented keys: each has its own budget, the address one for all
      rotating.add(admission.decide(new Request("GET", "10.1.2.3", "INVENTED" + i), policy, SECOND + i));
    }
    assertThat(rotating).allMatch(Outcome::forwarded);
    List<Outcome> unlisted = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      unlisted.add(admission.decide(new Request("GET", "192.0.2.9", "INVENTED" + i), policy, SECOND + i));
    }
    assertThat(unlisted.stream().filter(Outcome::forwarded)).hasSize(3);
    assertThat(unlisted.get(3).rule()).isEqualTo(DenialRule.ADDRESS_SECOND);

    List<Outcome> listedKey = send(admission, policy, new Request("GET", "2001:db8::7", LISTED_KEY), 5);
    assertThat(listedKey.stream().filter(Outcome::forwarded)).as("the key's 3/s still applies").hasSize(3);
    assertThat(listedKey.get(4).rule()).isEqualTo(DenialRule.KEY_SECOND);
  }

  @Test
  void decide_allowlistedWithSkipKeyLimits_admitsEverythingUncharged() throws IOException {
    PolicySnapshot policy = load("allowlist.skip_key_limits=true\n", "10.0.0.1\n");
    Admission admission = new Admission(new CounterTable(100));
    assertThat(send(admission, policy, new Request("GET", "10.0.0.1", LISTED_KEY), 10)).allMatch(Outcome::forwarded);
    List<Outcome> other = send(admission, policy, new Request("GET", "10.0.0.2", LISTED_KEY), 4);
    assertThat(other.stream().filter(Outcome::forwarded)).as("the allow-listed requests charged nothing").hasSize(3);
  }

  @Test
  void decide_shadowMode_admitsEveryDenialNamingItsRuleAndChargesAsEnforceWould() throws IOException {
    PolicySnapshot shadow = load("mode=shadow\n", "");
    Admission admission = new Admission(new CounterTable(100));
    List<Outcome> outcomes = send(admission, shadow, new Request("GET", "192.0.2.1", LISTED_KEY), 7);
    assertThat(outcomes).allMatch(Outcome::forwarded);
    assertThat(outcomes).allMatch(o -> o.verdict() == Verdict.ADMITTED && o.rule() == null);
    assertThat(outcomes.stream().filter(o -> o.shadowRule() == DenialRule.KEY_SECOND)).hasSize(4);
    assertThat(outcomes.subList(0, 3)).allMatch(o -> o.shadowRule() == null);
    // nothing was charged for the would-be denials: the key's count is what enforcement leaves
    assertThat(outcomes.get(6).decision().currentPerSecond()).isEqualTo(3);

    PolicySnapshot enforce = load("mode=enforce\n", "");
    Outcome next = admission.decide(new Request("GET", "192.0.2.1", LISTED_KEY), enforce, SECOND + 7);
    assertThat(next.forwarded()).as("enforce applies on the next request").isFalse();
    assertThat(next.rule()).isEqualTo(DenialRule.KEY_SECOND);
  }

  @Test
  void decide_shadowMode_inFlightWouldBeDenialIsNotCountedInFlight() throws IOException {
    Files.writeString(dir.resolve("concurrent_requests.map"), "basic 1\n");
    PolicySnapshot shadow = load("mode=shadow\n", "");
    Admission admission = new Admission(new CounterTable(100));
    Outcome first = admission.decide(new Request("PUT", "192.0.2.1", LISTED_KEY), shadow, SECOND);
    Outcome second = admission.decide(new Request("PUT", "192.0.2.1", LISTED_KEY), shadow, SECOND + 1);
    assertThat(first.shadowRule()).isNull();
    assertThat(second.forwarded()).isTrue();
    assertThat(second.shadowRule()).isEqualTo(DenialRule.CONCURRENT);
    admission.complete(second); // must not end the first one's flight
    Outcome third = admission.decide(new Request("PUT", "192.0.2.1", LISTED_KEY), shadow, SECOND + 2);
    assertThat(third.shadowRule()).isEqualTo(DenialRule.CONCURRENT);
    admission.complete(first);
    Outcome fourth = admission.decide(new Request("PUT", "192.0.2.1", LISTED_KEY), shadow, SECOND * 3);
    assertThat(fourth.shadowRule()).isNull();
  }

  @Test
  void decide_shadowMode_coversTheClientIpRules_andATarpitIsNeverHeld() throws IOException {
    PolicySnapshot shadow = load("mode=shadow\nip.limit.requests=2\n", "");
    ClientIpTable ips = new ClientIpTable(100, Duration.ofSeconds(10));
    Admission admission = new Admission(new CounterTable(100), ips);
    List<Outcome> outcomes = send(admission, shadow, new Request("GET", "192.0.2.1", "INVENTED1"), 3);
    assertThat(outcomes).allMatch(Outcome::forwarded);
    assertThat(outcomes.get(2).shadowRule()).isEqualTo(DenialRule.IP_REQUESTS);
    assertThat(outcomes.get(2).clientIp()).as("the IP's counts stay on the outcome").isNotNull();

    PolicySnapshot tarpit = load("mode=shadow\nip.tarpit.requests=1\nip.tarpit.errors=1\n", "");
    Admission tarpitting = new Admission(new CounterTable(100), new ClientIpTable(100, Duration.ofSeconds(10)));
    Outcome first = tarpitting.decide(new Request("GET", "192.0.2.2", "INVENTED2"), tarpit, SECOND);
    tarpitting.backendAnswered(first, tarpit, 403, SECOND);
    tarpitting.backendAnswered(first, tarpit, 403, SECOND + 1);
    Outcome second = tarpitting.decide(new Request("GET", "192.0.2.2", "INVENTED2"), tarpit, SECOND + 2);
    Outcome third = tarpitting.decide(new Request("GET", "192.0.2.2", "INVENTED2"), tarpit, SECOND + 3);
    assertThat(List.of(second, third)).anyMatch(o -> o.shadowRule() == DenialRule.IP_TARPIT);
    assertThat(List.of(second, third)).allMatch(o -> o.forwarded() && !o.tarpit());
  }

  @Test
  void decide_allowlistedClient_isNeverCountedInTheClientIpTable() throws IOException {
    PolicySnapshot policy = load("ip.limit.requests=2\n", "192.0.2.0/24\n");
    ClientIpTable ips = new ClientIpTable(100, Duration.ofSeconds(10));
    Admission admission = new Admission(new CounterTable(100), ips);
    assertThat(send(admission, policy, new Request("GET", "192.0.2.7", LISTED_KEY), 3)).allMatch(Outcome::forwarded);
    assertThat(ips.usage("192.0.2.7", SECOND + 3)).isNull();
    List<Outcome> other = new ArrayList<>(); // five seconds later: the key's 3/s has room again
    for (int i = 0; i < 3; i++) {
      other.add(admission.decide(new Request("GET", "198.51.100.7", LISTED_KEY), policy, 5 * SECOND + i));
    }
    assertThat(other.subList(0, 2)).allMatch(Outcome::forwarded);
    assertThat(other.get(2).rule()).as("an unlisted client is limited per IP").isEqualTo(DenialRule.IP_REQUESTS);
  }

  /** One request from each address, a nanosecond apart in the first second. */
  private static List<Outcome> fromEach(Admission admission, PolicySnapshot policy, String key, String... addresses) {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < addresses.length; i++) {
      String invented = key == null || !key.startsWith("INVENTED") ? key : key + i;
      outcomes.add(admission.decide(new Request("GET", addresses[i], invented), policy, SECOND + i));
    }
    return outcomes;
  }

  private static final String[] ONE_SLASH_64 = {"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3",
      "2001:db8:1:2:abcd:1234:5678:9"};

  @Test
  void decide_ipv6AddressesOfOneSlash64_shareTheClientIpLimit_unlessThePrefixIs128() throws IOException {
    PolicySnapshot per64 = load("ip.limit.requests=2\n", "");
    ClientIpTable ips = new ClientIpTable(100, Duration.ofSeconds(10));
    List<Outcome> outcomes = fromEach(new Admission(new CounterTable(100), ips), per64, LISTED_KEY,
        ONE_SLASH_64[0], ONE_SLASH_64[1], ONE_SLASH_64[2]);
    assertThat(outcomes.subList(0, 2)).allMatch(Outcome::forwarded);
    assertThat(outcomes.get(2).rule()).as("a third address of the /64 is the same client")
        .isEqualTo(DenialRule.IP_REQUESTS);
    assertThat(ips.usage("2001:db8:1:2:0:0:0:0/64", SECOND + 3).requests()).isEqualTo(2);
    assertThat(outcomes.get(2).clientAddress()).as("the log still names the address").isEqualTo(ONE_SLASH_64[2]);

    PolicySnapshot perAddress = load("ip.limit.requests=2\nip.ipv6.prefix=128\n", "");
    assertThat(fromEach(new Admission(new CounterTable(100), new ClientIpTable(100, Duration.ofSeconds(10))),
        perAddress, LISTED_KEY, ONE_SLASH_64[0], ONE_SLASH_64[1], ONE_SLASH_64[2])).allMatch(Outcome::forwarded);
  }

  @Test
  void decide_ipv6AddressesOfOneSlash64_shareOneAnonymousBudget_forInventedKeysAndUnsignedRequests()
      throws IOException {
    PolicySnapshot per64 = load("", ""); // unknown: 3 a second, the anonymous group's budget too
    List<Outcome> invented = fromEach(new Admission(new CounterTable(100)), per64, "INVENTED", ONE_SLASH_64);
    assertThat(invented.subList(0, 3)).allMatch(Outcome::forwarded);
    assertThat(invented.get(3).rule()).as("a fresh address and a fresh key buy nothing")
        .isEqualTo(DenialRule.ADDRESS_SECOND);
    List<Outcome> unsigned = fromEach(new Admission(new CounterTable(100)), per64, null, ONE_SLASH_64);
    assertThat(unsigned.subList(0, 3)).allMatch(Outcome::forwarded);
    assertThat(unsigned.get(3).forwarded()).isFalse();
    assertThat(fromEach(new Admission(new CounterTable(100)), per64, null, "2001:db8:1:2::1", "2001:db8:1:3::1",
        "2001:db8:1:4::1", "2001:db8:1:5::1")).as("other /64s are other clients").allMatch(Outcome::forwarded);

    PolicySnapshot perAddress = load("ip.ipv6.prefix=128\n", "");
    assertThat(fromEach(new Admission(new CounterTable(100)), perAddress, "INVENTED", ONE_SLASH_64))
        .allMatch(Outcome::forwarded);
  }
}

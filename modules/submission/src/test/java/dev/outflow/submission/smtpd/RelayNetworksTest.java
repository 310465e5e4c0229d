package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.ConfigException;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelayNetworksTest {
    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void matchesIpv4Cidrs() throws Exception {
        RelayNetworks n = RelayNetworks.parse(List.of("10.0.0.0/8", "192.168.1.0/25", "203.0.113.7"));

        assertThat(n.contains(ip("10.255.1.2"))).isTrue();
        assertThat(n.contains(ip("11.0.0.1"))).isFalse();
        assertThat(n.contains(ip("192.168.1.127"))).isTrue();
        assertThat(n.contains(ip("192.168.1.128"))).isFalse();
        assertThat(n.contains(ip("203.0.113.7"))).isTrue();
        assertThat(n.contains(ip("203.0.113.8"))).isFalse();
        assertThat(n.contains(ip("::1"))).isFalse();
    }

    @Test
    void matchesIpv6CidrsAndMappedAddresses() throws Exception {
        RelayNetworks n = RelayNetworks.parse(List.of("fd00::/8", "::1/128", "2001:db8:abcd::/48", "127.0.0.0/8"));

        assertThat(n.contains(ip("fd12:3456::1"))).isTrue();
        assertThat(n.contains(ip("fe80::1"))).isFalse();
        assertThat(n.contains(ip("::1"))).isTrue();
        assertThat(n.contains(ip("2001:db8:abcd:12::1"))).isTrue();
        assertThat(n.contains(ip("2001:db8:abce::1"))).isFalse();
        assertThat(n.contains(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 9})))
                .isTrue();
    }

    @Test
    void zeroPrefixMatchesEverythingOfItsFamily() throws Exception {
        RelayNetworks n = RelayNetworks.parse(List.of("0.0.0.0/0"));

        assertThat(n.contains(ip("8.8.8.8"))).isTrue();
        assertThat(n.contains(ip("2001:db8::1"))).isFalse();
    }

    @Test
    void badEntriesFailNamingTheKey() {
        for (String bad : List.of("example.com", "10.0.0.0/33", "10.0.0.0/x", "::1/129", "300.1.1.1")) {
            assertThatThrownBy(() -> RelayNetworks.parse(List.of(bad))).as(bad)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("smtpd.relay_networks");
        }
    }

    @Test
    void noneContainsNothing() throws Exception {
        assertThat(RelayNetworks.none().contains(ip("127.0.0.1"))).isFalse();
        assertThat(RelayNetworks.parse(List.of()).isEmpty()).isTrue();
    }
}

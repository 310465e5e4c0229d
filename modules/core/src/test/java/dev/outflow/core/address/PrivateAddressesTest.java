package dev.outflow.core.address;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PrivateAddressesTest {
    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "0.0.0.0, unspecified", "127.0.0.1, loopback", "127.255.0.9, loopback", "10.0.0.1, private",
            "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private", "100.64.0.1, shared address space",
            "169.254.169.254, link-local", "224.0.0.1, multicast", "255.255.255.255, broadcast",
            "::, unspecified", "::1, loopback", "fe80::1, link-local", "fc00::1, unique local", "fd12:3456::1, unique local",
            "fec0::1, site-local", "ff02::1, multicast", "::ffff:127.0.0.1, loopback", "::ffff:10.1.2.3, private",
            "::192.168.0.1, private"})
    void nonPublicRanges(String ip, String kind) throws Exception {
        assertThat(PrivateAddresses.kind(InetAddress.getByName(ip))).isEqualTo(kind);
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.1", "8.8.8.8", "172.15.0.1", "172.32.0.1", "100.128.0.1", "11.0.0.1", "2001:db8::1", "2a00:1450::1", "::ffff:8.8.8.8"})
    void publicAddresses(String ip) throws Exception {
        assertThat(PrivateAddresses.isPrivate(InetAddress.getByName(ip))).isFalse();
    }
}

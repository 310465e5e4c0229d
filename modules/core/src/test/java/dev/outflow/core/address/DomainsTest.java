package dev.outflow.core.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DomainsTest {

    @Test
    void asciiNamesAreLowerCasedWithoutCopyWhenAlreadyLower() {
        String lower = "mail.example.com";
        assertThat(Domains.toAscii(lower)).isSameAs(lower);
        assertThat(Domains.toAscii("Mail.Example.COM")).isEqualTo("mail.example.com");
    }

    @Test
    void parsesIpLiteralsWithoutDns() {
        assertThat(Domains.parseIp("192.0.2.7").getHostAddress()).isEqualTo("192.0.2.7");
        assertThat(Domains.parseIp("2001:db8::1").getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(Domains.parseIp("::1").isLoopbackAddress()).isTrue();
        assertThat(Domains.parseIp("mx.example.com")).isNull();
        assertThat(Domains.parseIp("deadbeef")).isNull();      // hex-looking host name, not an address
        assertThat(Domains.parseIp("1.2.3")).isNull();
        assertThat(Domains.parseIp("01.2.3.4")).isNull();      // leading zero: ambiguous (octal)
        assertThat(Domains.parseIp("1.2.3.256")).isNull();
        assertThat(Domains.parseIp("fe80::1%eth0")).isNull();  // zone ids are not literals of mail routes
        assertThat(Domains.parseIp("")).isNull();
    }

    @Test
    void literalAddresses() {
        assertThat(Domains.literalAddress("[192.0.2.1]").getHostAddress()).isEqualTo("192.0.2.1");
        assertThat(Domains.literalAddress("[IPv6:::1]").isLoopbackAddress()).isTrue();
        assertThat(Domains.literalAddress("example.com")).isNull();
        assertThat(Domains.isLiteral("[1.2.3.4]")).isTrue();
        assertThat(Domains.isLiteral("example.com")).isFalse();
        assertThatThrownBy(() -> Domains.toAscii("[1.2.3.4")).hasMessageContaining("closing ']'");
    }

    @Test
    void rejectsEmptyAndOverlongNames() {
        assertThatThrownBy(() -> Domains.toAscii("")).hasMessageContaining("domain is empty");
        assertThatThrownBy(() -> Domains.toAscii(null)).hasMessageContaining("domain is empty");
        assertThatThrownBy(() -> Domains.toAscii(".example.com")).hasMessageContaining("empty label");
        String big = ("a".repeat(63) + ".").repeat(4) + "com"; // 259 octets
        assertThatThrownBy(() -> Domains.toAscii(big)).hasMessageContaining("longer than 255");
    }

    @Test
    void internationalNamesFollowIdna2008NotIdna2003() {
        // IDNA2003 (java.net.IDN) maps ß to ss: strasse.de is another registrant's domain
        assertThat(Domains.toAscii("straße.de")).isEqualTo("xn--strae-oqa.de");
        assertThat(Domains.toAscii("STRASSE.de")).isEqualTo("strasse.de");
        assertThat(Domains.toAscii("Bücher.Example")).isEqualTo("xn--bcher-kva.example");
        assertThat(Domains.toAscii("βόλος.com")).as("final sigma kept").isEqualTo("xn--nxasmm1c.com");
        assertThat(Domains.toAscii("münchen。de")).as("ideographic full stop").isEqualTo("xn--mnchen-3ya.de");
        assertThat(Domains.toAscii("xn--strae-oqa.de")).as("an A-label is kept").isEqualTo("xn--strae-oqa.de");
    }

    @Test
    void invalidInternationalLabelsAreClearErrors() {
        assertThatThrownBy(() -> Domains.toAscii("a\u200Db.de")).isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("not a valid internationalized domain name (IDNA2008)")
                .hasMessageContaining("zero-width joiner");
        assertThatThrownBy(() -> Domains.toAscii("-bücher.de")).hasMessageContaining("a label starts with '-'");
        assertThatThrownBy(() -> Domains.toAscii("bü_cher.de")).hasMessageContaining("not allowed");
        assertThatThrownBy(() -> Domains.toAscii("xn--a-ecp.de")).as("not a valid A-label").isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("IDNA2008");
    }
}

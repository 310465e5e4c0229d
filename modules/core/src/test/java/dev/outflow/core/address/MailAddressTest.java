package dev.outflow.core.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MailAddressTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\u0000', textBlock = """
            user@example.com                 | user                 | example.com
            <user@example.com>               | user                 | example.com
            '  <user@example.com>  '         | user                 | example.com
            User.Name+tag@Example.COM        | User.Name+tag        | example.com
            "john doe"@example.com           | "john doe"           | example.com
            "a@b,c"@example.com              | "a@b,c"              | example.com
            "quote\\"inside"@example.com     | "quote\\"inside"     | example.com
            user@localhost                   | user                 | localhost
            user@[192.0.2.1]                 | user                 | [192.0.2.1]
            user@[IPv6:2001:DB8::1]          | user                 | [IPv6:2001:db8::1]
            user@[ipv6:::1]                  | user                 | [IPv6:::1]
            <@relay.example,@hop.example:user@example.com> | user   | example.com
            user@xn--bcher-kva.example       | user                 | xn--bcher-kva.example
            user@mail-1.sub.example.co.uk    | user                 | mail-1.sub.example.co.uk
            """)
    void parsesValidAddresses(String input, String local, String domain) {
        String in = input.startsWith("'") ? input.substring(1, input.length() - 1) : input;
        MailAddress a = MailAddress.parse(in);
        assertThat(a.localPart()).isEqualTo(local);
        assertThat(a.domain()).isEqualTo(domain);
        assertThat(a.toString()).isEqualTo(local + "@" + domain);
        assertThat(a.isNullSender()).isFalse();
    }

    @Test
    void acceptsEveryAtextCharacterUnquoted() {
        String local = "a!#$%&'*+-/=?^_`{|}~b";
        assertThat(MailAddress.parse(local + "@x.org").localPart()).isEqualTo(local);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\u0000', textBlock = """
            plainaddress                     | no '@' and domain
            @example.com                     | local part is empty
            user@                            | domain is empty
            .user@example.com                | starts with a dot
            user.@example.com                | ends with a dot
            us..er@example.com               | consecutive dots
            us er@example.com                | ' ' is not allowed in an unquoted local part
            us"er@example.com                | quote inside an unquoted local part
            "unterminated@example.com        | unterminated quoted local part
            ""@example.com                   | quoted local part is empty
            "a"b@example.com                 | 'b' is not allowed in the local part
            user@exa mple.com                | ' ' is not allowed in a domain
            user@example..com                | empty label
            user@example.com.                | ends with a dot
            user@-example.com                | starts or ends with '-'
            user@example-.com                | starts or ends with '-'
            user@exa_mple.com                | '_' is not allowed in a domain
            user@a@b.com                     | '@' is not allowed in a domain
            user@192.0.2.1                   | must be written as a domain literal [192.0.2.1]
            user@[192.0.2.256]               | is not an IPv4 address
            user@[192.0.2.1                  | lacks the closing ']'
            user@[IPv6:not:an:address]       | is not an IPv6 address
            user@[x400:c=us]                 | general address literals are not supported
            <user@example.com                | missing closing '>'
            user@example.com>                | missing opening '<'
            <>                               | null address <> is not allowed here
            <@relay.example user@x.org>      | source route without ':'
            """)
    void rejectsMalformedAddressesSayingWhy(String input, String reason) {
        assertThatThrownBy(() -> MailAddress.parse(input))
                .isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining(reason)
                .hasMessageContaining("invalid address '");
    }

    @Test
    void rejectsControlCharactersAndCrlfInjection() {
        assertThatThrownBy(() -> MailAddress.parse("user@example.com\r\nRCPT TO:<x@y.z>"))
                .isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("\\x0d");
        assertThatThrownBy(() -> MailAddress.parse("\"a\nb\"@example.com"))
                .hasMessageContaining("control character");
        assertThatThrownBy(() -> MailAddress.parse("us\u0085er@example.com"))
                .hasMessageContaining("U+0085");
        assertThatThrownBy(() -> MailAddress.parse("a\uD800b@example.com"))
                .hasMessageContaining("surrogate");
    }

    @Test
    void nullSenderOnlyWhereAsked() {
        assertThat(MailAddress.parseReversePath("<>")).isSameAs(MailAddress.NULL_SENDER);
        assertThat(MailAddress.parseReversePath("")).isSameAs(MailAddress.NULL_SENDER);
        assertThat(MailAddress.parseReversePath(" <> ")).isSameAs(MailAddress.NULL_SENDER);
        assertThat(MailAddress.NULL_SENDER.isNullSender()).isTrue();
        assertThat(MailAddress.NULL_SENDER.toString()).isEmpty();
        assertThat(MailAddress.parseReversePath("<bounce@example.com>").domain()).isEqualTo("example.com");
        assertThatThrownBy(() -> MailAddress.parse("")).hasMessageContaining("null address");
        assertThatThrownBy(() -> MailAddress.parse(null)).hasMessageContaining("missing");
    }

    @Test
    void internationalDomainsBecomeLowerCaseALabels() {
        MailAddress a = MailAddress.parse("info@Bücher.Example");
        assertThat(a.domain()).isEqualTo("xn--bcher-kva.example");
        assertThat(a.needsSmtpUtf8()).isFalse();
        assertThat(MailAddress.parse("x@MÜNCHEN.de").domain()).isEqualTo("xn--mnchen-3ya.de");
        // Ideographic full stop separates labels like '.' (IDNA).
        assertThat(MailAddress.parse("x@例え。テスト").domain()).isEqualTo("xn--r8jz45g.xn--zckzah");
        assertThat(MailAddress.parse("x@Straße.de").domain()).as("IDNA2008 keeps ß").isEqualTo("xn--strae-oqa.de");
        assertThatThrownBy(() -> MailAddress.parse("x@bü_cher.example"))
                .isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("internationalized domain");
    }

    @Test
    void utf8LocalPartNeedsSmtpUtf8AndIsKeptAsGiven() {
        MailAddress a = MailAddress.parse("<Jörg.Müller@Example.org>");
        assertThat(a.localPart()).isEqualTo("Jörg.Müller");
        assertThat(a.domain()).isEqualTo("example.org");
        assertThat(a.needsSmtpUtf8()).isTrue();
        assertThat(MailAddress.parse("\"Zoë Q\"@example.org").needsSmtpUtf8()).isTrue();
        assertThat(MailAddress.parse("用户@例子.广告").needsSmtpUtf8()).isTrue();
        assertThat(MailAddress.parse("plain@example.org").needsSmtpUtf8()).isFalse();
    }

    @Test
    void enforcesLengthLimitsInOctets() {
        String local64 = "a".repeat(64);
        assertThat(MailAddress.parse(local64 + "@example.com").localPart()).hasSize(64);
        assertThatThrownBy(() -> MailAddress.parse("a".repeat(65) + "@example.com"))
                .hasMessageContaining("local part is longer than 64 octets");
        // 32 two-octet characters are 64 octets; one more ASCII letter is 65.
        assertThat(MailAddress.parse("é".repeat(32) + "@example.com").needsSmtpUtf8()).isTrue();
        assertThatThrownBy(() -> MailAddress.parse("é".repeat(32) + "a@example.com"))
                .hasMessageContaining("longer than 64 octets");
        // A 4-octet character (surrogate pair in Java) counts 4.
        assertThatThrownBy(() -> MailAddress.parse("😀".repeat(16) + "a@example.com"))
                .hasMessageContaining("longer than 64 octets");

        String label63 = "b".repeat(63);
        assertThat(MailAddress.parse("u@" + label63 + ".com").domain()).startsWith(label63);
        assertThatThrownBy(() -> MailAddress.parse("u@" + "b".repeat(64) + ".com"))
                .hasMessageContaining("label longer than 63 octets");

        // Path <local@domain> may be 256 octets: 64 + 1 + 189 + 2 = 256.
        String domain189 = domainOfLength(189);
        assertThat(MailAddress.parse(local64 + "@" + domain189).toString()).hasSize(254);
        assertThatThrownBy(() -> MailAddress.parse(local64 + "@" + domainOfLength(190)))
                .hasMessageContaining("longer than 256 octets");
        assertThatThrownBy(() -> MailAddress.parse("u@" + domainOfLength(256)))
                .hasMessageContaining("domain is longer than 255 octets");
    }

    @Test
    void parsesRecipientLists() {
        List<MailAddress> list = MailAddress.parseList(" a@x.org, <b@Y.org>,\"c,d\"@z.org , <@r.example,@s.example:e@w.org>,");
        assertThat(list).extracting(MailAddress::toString)
                .containsExactly("a@x.org", "b@y.org", "\"c,d\"@z.org", "e@w.org");
        assertThatThrownBy(() -> MailAddress.parseList(" , ")).hasMessageContaining("no recipient");
        assertThatThrownBy(() -> MailAddress.parseList("a@x.org, bad")).hasMessageContaining("'bad'");
        assertThatThrownBy(() -> MailAddress.parseList("a@x.org, <>")).hasMessageContaining("null address");
    }

    @Test
    void equalityIgnoresDomainCaseButNotLocalCase() {
        assertThat(MailAddress.parse("User@EXAMPLE.com")).isEqualTo(MailAddress.parse("<User@example.com>"));
        assertThat(MailAddress.parse("User@example.com")).isNotEqualTo(MailAddress.parse("user@example.com"));
        assertThat(MailAddress.parse("User@EXAMPLE.com").hashCode()).isEqualTo(MailAddress.parse("User@example.com").hashCode());
    }

    @Test
    void ofBuildsFromParts() {
        assertThat(MailAddress.of("postmaster", "Bücher.example").toString()).isEqualTo("postmaster@xn--bcher-kva.example");
        assertThatThrownBy(() -> MailAddress.of("", "example.com")).isInstanceOf(InvalidAddressException.class);
        assertThatThrownBy(() -> MailAddress.of("a b", "example.com")).isInstanceOf(InvalidAddressException.class);
    }

    @Test
    void exceptionEchoIsBoundedAndEscaped() {
        InvalidAddressException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidAddressException.class,
                () -> MailAddress.parse("x".repeat(1000) + "\n"));
        assertThat(e.getMessage()).hasSizeLessThan(400).doesNotContain("\n");
        assertThat(e.getMessage()).contains("\\x0a");
        assertThat(e.reason()).isEqualTo("character \\x0a is not allowed in an unquoted local part");
        assertThat(e.input()).hasSize(1001);
    }

    private static String domainOfLength(int length) {
        StringBuilder b = new StringBuilder();
        while (b.length() < length) {
            int room = length - b.length();
            if (b.length() > 0) {
                b.append('.');
                room--;
            }
            int label = Math.min(63, room);
            if (room - label == 1) label--; // never leave room for a lone dot
            b.append("d".repeat(Math.max(label, 1)));
        }
        return b.toString();
    }
}

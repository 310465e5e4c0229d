package dev.outflow.core.dkim;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What gets signed with which key (the signatures themselves are checked by dkimpy in DkimOnTheWireTest). */
class DkimSignerTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
    @TempDir
    static Path dir;
    static DkimSigner signer;

    @BeforeAll
    static void keys() throws Exception {
        DkimKeyGen.generate(dir, "a.test", "r1", DkimAlgorithm.RSA_SHA256);
        DkimKeyGen.generate(dir, "a.test", "e1", DkimAlgorithm.ED25519_SHA256);
        DkimKeyGen.generate(dir, "example.test", "dsn", DkimAlgorithm.ED25519_SHA256);
        signer = DkimSigner.fromConfig(Config.of(Map.of("dkim.keys_dir", dir.toString())), CLOCK);
    }

    @Test
    void everyKeyOfTheFromDomainSignsOnTopOfTheUnchangedMessage() throws Exception {
        byte[] m = "Subject: hi\r\nFrom: Alice <alice@A.TEST>\r\nTo: b@x.test\r\nTo: c@x.test\r\nX-Other: 1\r\n\r\nbody\r\n".getBytes(US_ASCII);
        byte[] signed = signer.sign(m);

        String text = new String(signed, US_ASCII);
        assertThat(text).startsWith("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=a.test; s=e1;\r\n\tt=1767323045;"
                + " h=from:from:to:to:subject;\r\n\tbh=");
        assertThat(text.indexOf("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=a.test; s=r1;")).isPositive();
        assertThat(Arrays.copyOfRange(signed, signed.length - m.length, signed.length)).isEqualTo(m);
        assertThat(text.lines()).allMatch(l -> l.length() <= 998);
    }

    @Test
    void mailOfADomainWithoutKeysIsReturnedAsIs() throws Exception {
        byte[] m = "From: someone@other.test\r\n\r\nx\r\n".getBytes(US_ASCII);
        assertThat(signer.sign(m)).isSameAs(m);
        byte[] noFrom = "Subject: none\r\n\r\nx\r\n".getBytes(US_ASCII);
        assertThat(signer.sign(noFrom)).isSameAs(noFrom);
    }

    @Test
    void twoFromFieldsOrAnUnparsableFromCannotBeSigned() {
        byte[] two = "From: a@a.test\r\nFrom: b@a.test\r\n\r\nx\r\n".getBytes(US_ASCII);
        assertThatThrownBy(() -> signer.sign(two)).isInstanceOf(DkimException.class)
                .hasMessage("cannot DKIM-sign for a.test: the message has 2 From header fields (RFC 5322 allows one; verifiers reject such signatures)");
        byte[] broken = "From: <alice@a.test\r\n\r\nx\r\n".getBytes(US_ASCII);
        assertThatThrownBy(() -> signer.sign(broken)).isInstanceOf(DkimException.class).hasMessageContaining("is not an address");
    }

    @Test
    void aDsnFallsBackToTheKeyOfMeOrItsClosestParent() throws Exception {
        byte[] dsn = "From: MAILER-DAEMON@mx1.example.test\r\nSubject: Undelivered\r\n\r\nx\r\n".getBytes(US_ASCII);
        assertThat(new String(signer.sign(dsn, "mx1.example.test"), US_ASCII)).contains("d=example.test; s=dsn;");
        assertThat(signer.sign(dsn, "mx1.elsewhere.test")).isSameAs(dsn);
        assertThat(signer.sign(dsn)).isSameAs(dsn);
    }
}

package dev.outflow.reporting.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BounceClassifierTest {
    private final BounceClassifier builtin = BounceClassifier.builtin();

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            5.1.1  | 550 5.1.1 The email account that you tried to reach does not exist.                 | bad-mailbox
                   | 550 Requested action not taken: mailbox unavailable                                 | bad-mailbox
            5.1.0  | 550 5.1.0 Address rejected                                                          | bad-mailbox
                   | 550 <x@example.org>: Recipient address rejected: User unknown in virtual mailbox table | bad-mailbox
            5.2.2  | 552 5.2.2 The email account that you tried to reach is over quota                   | mailbox-full
            4.2.2  | 452 4.2.2 Mailbox full                                                              | mailbox-full
            5.3.4  | 552 5.3.4 Message size exceeds fixed limit of 10485760 bytes                         | message-too-large
                   | 552 Message size exceeds maximum permitted                                           | message-too-large
            5.7.1  | 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org | spam/reputation
            5.7.1  | 550 5.7.1 Our system has detected that this message is likely unsolicited mail (spam) | spam/reputation
            5.7.26 | 550 5.7.26 Unauthenticated email is not accepted due to the sender's DMARC policy   | policy
            5.7.1  | 550 5.7.1 Relaying denied                                                            | policy
            5.1.2  | Domain nowhere.example does not exist (NXDOMAIN)                                     | dns
            5.1.10 | Domain example.net does not accept mail (null MX, RFC 7505)                         | dns
                   | DNS lookup of example.org timed out                                                  | dns
                   | TLS handshake with mx.example.org[192.0.2.1] failed: certificate expired             | tls
            5.7.10 | 530 5.7.10 Encryption needed                                                         | tls
            4.7.28 | 421 4.7.28 Our system has detected an unusual rate of unsolicited mail              | spam/reputation
            4.7.0  | 421 4.7.0 Too many messages from your IP, try again later                          | quota/rate
                   | 451 Greylisted, please try again in 5 minutes                                        | quota/rate
            5.0.0  | 550 5.0.0 Something odd happened                                                     | other
                   | connection reset                                                                     | other
            """)
    void builtInRulesSortCommonRepliesIntoTheirClass(String enhanced, String response, String expected) {
        assertThat(builtin.classify(enhanced, response)).isEqualTo(expected);
    }

    @Test
    void userRulesComeFirstAndMayAddClasses(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bounce_rules");
        Files.writeString(file, """
                # ours
                vacation   text  out of office|on vacation
                policy     code  5.1.1
                """);
        BounceClassifier c = BounceClassifier.load(file);
        assertThat(c.classify(null, "550 I am on vacation")).isEqualTo("vacation");
        assertThat(c.classify("5.1.1", "550 5.1.1 nope")).isEqualTo("policy");
        assertThat(c.classify("5.2.2", "552 5.2.2 full")).isEqualTo("mailbox-full");
        assertThat(c.rules().get(0).toString()).isEqualTo("vacation text out of office|on vacation");
    }

    @Test
    void aMissingFileMeansBuiltInRulesOnly(@TempDir Path dir) {
        BounceClassifier c = BounceClassifier.load(dir.resolve("absent"));
        assertThat(c.rules()).hasSameSizeAs(builtin.rules());
        assertThat(c.rules().toString()).isEqualTo(builtin.rules().toString());
    }

    @Test
    void badRulesNameTheFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rules");
        Files.writeString(file, "bad-mailbox code 5.1.1\n\nspam header X-Spam\n");
        assertThatThrownBy(() -> BounceClassifier.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ":3: kind 'header' must be 'code' or 'text'");
        Files.writeString(file, "Bad code 5.1.1\n");
        assertThatThrownBy(() -> BounceClassifier.load(file)).hasMessageContaining(":1: class 'Bad' must be lower-case");
        Files.writeString(file, "x code 5.1\n");
        assertThatThrownBy(() -> BounceClassifier.load(file)).hasMessageContaining("must look like 5.1.1");
        Files.writeString(file, "x text (unclosed\n");
        assertThatThrownBy(() -> BounceClassifier.load(file)).hasMessageContaining("bad regular expression");
        Files.writeString(file, "x code\n");
        assertThatThrownBy(() -> BounceClassifier.load(file)).hasMessageContaining("expected '<class> code|text <pattern>'");
    }
}

package dev.outflow.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExtensionsTest {
    @Test
    void parsesTheKeywordsOfAnEhloReply() {
        Extensions e = Extensions.parse(SmtpReply.of(250, List.of("mx.example greets you", "pipelining", "SIZE 35882577",
                "8BITMIME", "SMTPUTF8", "STARTTLS", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN")));
        assertThat(e.pipelining()).isTrue();
        assertThat(e.size()).isEqualTo(35882577);
        assertThat(e.eightBitMime()).isTrue();
        assertThat(e.smtputf8()).isTrue();
        assertThat(e.startTls()).isTrue();
        assertThat(e.enhancedStatusCodes()).isTrue();
        assertThat(e.keywords()).contains("AUTH", "PIPELINING");
        assertThat(e.tooBig(35882578)).isTrue();
        assertThat(e.tooBig(35882577)).isFalse();
    }

    @Test
    void sizeWithoutLimitAndNoExtensions() {
        Extensions e = Extensions.parse(SmtpReply.of(250, List.of("mx", "SIZE")));
        assertThat(e.size()).isZero();
        assertThat(e.tooBig(Long.MAX_VALUE)).isFalse();
        Extensions none = Extensions.parse(SmtpReply.of(250, "mx.example"));
        assertThat(none.size()).isEqualTo(-1);
        assertThat(none.pipelining()).isFalse();
    }
}

package dev.outflow.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.smtp.internal.ReplyReader;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmtpReplyTest {
    private static ReplyReader reader(String wire) {
        return new ReplyReader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void parsesSingleAndMultilineRepliesInSequence() throws Exception {
        ReplyReader r = reader("220 mx.example ESMTP\r\n250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n550 5.1.1 <a@b>: no such user\r\n");

        SmtpReply greeting = r.read();
        assertThat(greeting.code()).isEqualTo(220);
        assertThat(greeting.enhancedCode()).isNull();
        assertThat(greeting.text()).isEqualTo("mx.example ESMTP");

        SmtpReply ehlo = r.read();
        assertThat(ehlo.code()).isEqualTo(250);
        assertThat(ehlo.lines()).containsExactly("mx.example", "PIPELINING", "SIZE 1000");

        SmtpReply refused = r.read();
        assertThat(refused.code()).isEqualTo(550);
        assertThat(refused.enhancedCode()).isEqualTo("5.1.1");
        assertThat(refused.text()).isEqualTo("<a@b>: no such user");
        assertThat(refused.response()).isEqualTo("5.1.1 <a@b>: no such user");
        assertThat(refused.toString()).isEqualTo("550 5.1.1 <a@b>: no such user");
    }

    @Test
    void enhancedCodesAreStrippedFromEveryLineOfAMultilineReply() throws Exception {
        SmtpReply r = reader("452-4.2.2 mailbox full\r\n452 4.2.2 try later\n").read();
        assertThat(r.enhancedCode()).isEqualTo("4.2.2");
        assertThat(r.text()).isEqualTo("mailbox full try later");
    }

    @Test
    void bareCodeAndLfOnlyLinesAreAccepted() throws Exception {
        SmtpReply r = reader("250\n").read();
        assertThat(r.code()).isEqualTo(250);
        assertThat(r.text()).isEmpty();
    }

    @Test
    void enhancedCodeMustMatchTheReplyClassAndShape() {
        assertThat(SmtpReply.enhancedCode(250, "2.1.0 Ok")).isEqualTo("2.1.0");
        assertThat(SmtpReply.enhancedCode(250, "2.1.0")).isEqualTo("2.1.0");
        assertThat(SmtpReply.enhancedCode(550, "5.7.26 unauthenticated")).isEqualTo("5.7.26");
        assertThat(SmtpReply.enhancedCode(550, "4.1.1 wrong class")).isNull();
        assertThat(SmtpReply.enhancedCode(250, "2.1 short")).isNull();
        assertThat(SmtpReply.enhancedCode(250, "2.1.0x")).isNull();
        assertThat(SmtpReply.enhancedCode(250, "2.1234.0 too long")).isNull();
        assertThat(SmtpReply.enhancedCode(354, "3.0.0 go")).isNull();
        assertThat(SmtpReply.enhancedCode(250, "Ok")).isNull();
    }

    @Test
    void garbageAndEndOfStreamAreErrors() {
        assertThatThrownBy(() -> reader("hello there\r\n").read()).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> reader("25x ok\r\n").read()).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> reader("250-first\r\n").read()).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> reader("").read()).isInstanceOf(EOFException.class);
    }

    @Test
    void linesUpToTheLimitAreRead() throws Exception {
        // far beyond RFC 5321's 512 octets, as some servers send; the bounds are in ReplyLimitsTest
        String text = "x".repeat(ReplyReader.MAX_LINE - 4);
        assertThat(reader("250 " + text + "\r\n").read().text()).isEqualTo(text);
    }
}

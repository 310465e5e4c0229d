package dev.outflow.core.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HopCountTest {
    private static int count(String message) {
        return HopCount.of(message.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void countsReceivedFieldsOfTheHeaderSectionOnly() {
        assertThat(count("Received: a\r\nRECEIVED : b\r\n\tfolded\r\nreceived:c\r\nX-Received: no\r\nReceived-SPF: no\r\n\r\nReceived: body\r\n"))
                .isEqualTo(3);
        assertThat(count("Received: a\nreceived: b\n\nReceived: c\n")).as("bare LF").isEqualTo(2);
        assertThat(count("\r\nReceived: a\r\n")).as("no header section").isZero();
        assertThat(count("")).isZero();
        assertThat(count("Received")).isZero();
    }
}

package dev.outflow.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MailContentTest {
    private static MailContent scan(String s) {
        return MailContent.of(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void asciiMessageIsSevenBitAndSizedAsStored() {
        MailContent c = scan("Subject: hi\r\n\r\nbody\r\n");
        assertThat(c.eightBit()).isFalse();
        assertThat(c.eightBitHeaders()).isFalse();
        assertThat(c.wireSize()).isEqualTo(c.bytes().length);
    }

    @Test
    void eightBitBodyIsNotEightBitHeaders() {
        MailContent c = scan("Subject: hi\r\n\r\nna\u00efve\r\n");
        assertThat(c.eightBit()).isTrue();
        assertThat(c.eightBitHeaders()).isFalse();
    }

    @Test
    void eightBitHeaderIsFound() {
        MailContent c = scan("Subject: caf\u00e9\r\n\r\nplain\r\n");
        assertThat(c.eightBitHeaders()).isTrue();
        assertThat(scan("Subject: x\n\ncaf\u00e9\n").eightBitHeaders()).isFalse();
    }

    @Test
    void wireSizeCountsBareLfsAndTheMissingFinalLineEnd() {
        assertThat(scan("a\nb\n").wireSize()).isEqualTo(6);
        assertThat(scan("a\r\nb").wireSize()).isEqualTo(6);
        assertThat(scan("a\r").wireSize()).isEqualTo(3);
        assertThat(scan("").wireSize()).isZero();
    }
}

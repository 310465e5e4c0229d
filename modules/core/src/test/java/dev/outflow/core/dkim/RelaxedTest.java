package dev.outflow.core.dkim;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.dkim.internal.HeaderBlock;
import dev.outflow.core.dkim.internal.Relaxed;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

/** Golden cases of the relaxed canonicalization, starting with RFC 6376 3.4.5's example. */
class RelaxedTest {
    @Test
    void rfc6376Example() throws Exception {
        byte[] m = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n".getBytes(US_ASCII);
        HeaderBlock block = HeaderBlock.parse(m);
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        for (HeaderBlock.Field f : block.fields()) Relaxed.header(m, f.start(), f.end(), true, h);

        assertThat(h.toString(US_ASCII)).isEqualTo("a:X\r\nb:Y Z\r\n");
        assertThat(bodyOf(m, block)).isEqualTo(sha(" C\r\nD E\r\n"));
    }

    @Test
    void anEmptyBodyHashesNothingAndAMissingFinalCrlfIsAdded() throws Exception {
        byte[] empty = "A: x\r\n\r\n\r\n\r\n".getBytes(US_ASCII);
        assertThat(bodyOf(empty, HeaderBlock.parse(empty))).isEqualTo(sha(""));
        byte[] noCrlf = "A: x\r\n\r\nlast line".getBytes(US_ASCII);
        assertThat(bodyOf(noCrlf, HeaderBlock.parse(noCrlf))).isEqualTo(sha("last line\r\n"));
    }

    @Test
    void aLineThatIsNoFieldStartsTheBodyAsAtIntake() {
        byte[] m = "A: x\r\nnot a header\r\nbody\r\n".getBytes(US_ASCII);
        HeaderBlock block = HeaderBlock.parse(m);
        assertThat(block.fields()).extracting(HeaderBlock.Field::name).containsExactly("a");
        assertThat(block.bodyStart()).isEqualTo(6);
    }

    private static byte[] bodyOf(byte[] m, HeaderBlock block) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        Relaxed.body(m, block.bodyStart(), d);
        return d.digest();
    }

    private static byte[] sha(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(s.getBytes(US_ASCII));
    }
}

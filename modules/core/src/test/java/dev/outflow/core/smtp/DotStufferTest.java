package dev.outflow.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.smtp.internal.DotStuffer;
import dev.outflow.core.smtp.internal.OutputBuffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DotStufferTest {
    private static String stuff(String content, int bufferSize) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputBuffer out = new OutputBuffer(sink, bufferSize);
        DotStuffer.write(content.getBytes(StandardCharsets.UTF_8), out);
        out.flush();
        return sink.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a\\r\\nb\\r\\n           | a\\r\\nb\\r\\n.\\r\\n",
            "a\\nb\\n                 | a\\r\\nb\\r\\n.\\r\\n",
            "no end                  | no end\\r\\n.\\r\\n",
            "ends in cr\\r           | ends in cr\\r\\n.\\r\\n",
            ".x\\r\\n..y\\r\\n.\\r\\n | ..x\\r\\n...y\\r\\n..\\r\\n.\\r\\n",
            "a\\n.\\nb               | a\\r\\n..\\r\\nb\\r\\n.\\r\\n",
            "mid.dot\\r\\n           | mid.dot\\r\\n.\\r\\n",
            "\\n\\n                   | \\r\\n\\r\\n.\\r\\n",
            "'' | .\\r\\n",
    })
    void stuffsDotsAndNormalisesLineEnds(String in, String expected) throws Exception {
        String content = unescape(in);
        for (int size : new int[] {4, 7, 16 * 1024}) {
            assertThat(stuff(content, size)).as("buffer %d", size).isEqualTo(unescape(expected));
        }
    }

    private static String unescape(String s) {
        return s.strip().replace("\\r", "\r").replace("\\n", "\n");
    }
}

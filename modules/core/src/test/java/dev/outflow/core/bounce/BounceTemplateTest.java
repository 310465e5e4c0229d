package dev.outflow.core.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BounceTemplateTest {
    static final Map<String, String> VALUES = Map.of("me", "mx.test", "to", "bob@x.example", "reason", "550 gone\r\nInjected: 1");

    @Test
    void substitutes_placeholders_and_unknown_ones_become_a_question_mark_like_haraka() {
        var r = BounceTemplate.of("at {me} for {to}: {reason}\nleft {alone} { me } {me\n").render(VALUES);
        assertThat(r.headers()).isEmpty();
        assertThat(r.body()).isEqualTo("at mx.test for bob@x.example: 550 gone\r\nInjected: 1\r\nleft ? { me } {me\r\n");
    }

    @Test
    void a_leading_header_block_becomes_headers_and_values_cannot_inject_header_lines() {
        var r = BounceTemplate.of("Subject: failed: {reason}\nX-Long: a\n  b\n\nBody {to}\n").render(VALUES);
        assertThat(r.headers()).containsExactly(Map.entry("Subject", "failed: 550 gone  Injected: 1"), Map.entry("X-Long", "a b"));
        assertThat(r.body()).isEqualTo("Body bob@x.example\r\n");
    }

    @Test
    void text_that_only_looks_like_a_header_block_stays_body() {
        assertThat(BounceTemplate.of("Hello: this is\nnot a header block\n\nreally\n").render(VALUES).headers()).isEmpty();
        assertThat(BounceTemplate.of("Dear user,\n\nsorry\n").render(VALUES).body()).isEqualTo("Dear user,\r\n\r\nsorry\r\n");
        assertThat(BounceTemplate.of("Subject: x\n").render(VALUES).headers()).isEmpty(); // no empty line: all body
    }

    @Test
    void the_built_in_text_is_the_repositorys_config_file() throws Exception {
        Path repoFile = Path.of("../../config/outbound.bounce_message");
        try (InputStream in = BounceTemplate.class.getResourceAsStream(BounceTemplate.RESOURCE)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(Files.readString(repoFile));
        }
        var r = BounceTemplate.builtIn().render(VALUES);
        assertThat(r.headers()).extracting(Map.Entry::getKey).containsExactly("Subject");
        assertThat(r.body()).contains("This is the mail system at mx.test.");
    }

    @Test
    void from_file_follows_edits_and_falls_back_to_built_in_when_missing(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("outbound.bounce_message");
        BounceTemplate t = BounceTemplate.fromFile(f);
        assertThat(t.render(VALUES).body()).contains("This is the mail system at mx.test.");

        Files.writeString(f, "first {to}\n");
        assertThat(t.render(VALUES).body()).isEqualTo("first bob@x.example\r\n");

        Files.writeString(f, "second {to}\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5))); // coarse mtime on some file systems
        assertThat(t.render(VALUES).body()).isEqualTo("second bob@x.example\r\n");

        Files.delete(f);
        assertThat(t.render(VALUES).body()).contains("This is the mail system at mx.test.");
        assertThat(List.of(t.render(VALUES).headers().getFirst().getKey())).containsExactly("Subject");
    }
}

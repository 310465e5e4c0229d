package dev.outflow.router.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.avro.Submission;
import dev.outflow.codec.Serdes;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Telling the formats apart per record, and the strict JSON form. */
class SubmissionDecoderTest {
    private final SubmissionDecoder decoder = new SubmissionDecoder(Serdes.singleObject());

    private DecodedSubmission decode(String json) throws InvalidSubmissionException {
        return decoder.decode("t", json.getBytes(UTF_8));
    }

    private InvalidSubmissionException invalid(byte[] value) {
        try {
            decoder.decode("t", value);
        } catch (InvalidSubmissionException e) {
            return e;
        }
        throw new AssertionError("expected an invalid submission");
    }

    private InvalidSubmissionException invalid(String json) {
        return invalid(json.getBytes(UTF_8));
    }

    @Test
    void avroSingleObject() throws Exception {
        byte[] bytes = Serdes.submission().serialize("t", new Submission("id-1", "a@b.test", List.of("c@d.test"),
                ByteBuffer.wrap("Subject: x\r\n\r\nx\r\n".getBytes(UTF_8)), Map.of("k", "v")));
        DecodedSubmission s = decoder.decode("t", bytes);
        assertThat(s.format()).isEqualTo(DecodedSubmission.Format.AVRO);
        assertThat(s.id()).isEqualTo("id-1");
        assertThat(s.mailFrom()).isEqualTo("a@b.test");
        assertThat(s.recipients()).containsExactly("c@d.test");
        assertThat(new String(s.contents(), UTF_8)).isEqualTo("Subject: x\r\n\r\nx\r\n");
        assertThat(s.notes()).containsEntry("k", "v");
    }

    @Test
    void jsonWithEveryField() throws Exception {
        DecodedSubmission s = decode("""
                {"id": "j-1", "mailFrom": "", "recipients": ["a@b.test", "ü@bücher.test"], "contents": "Subject: é\\n\\nbody",
                 "notes": {"tenant": "t"}}""");
        assertThat(s.format()).isEqualTo(DecodedSubmission.Format.JSON);
        assertThat(s.id()).isEqualTo("j-1");
        assertThat(s.mailFrom()).isEmpty();
        assertThat(s.recipients()).containsExactly("a@b.test", "ü@bücher.test");
        assertThat(s.contents()).isEqualTo("Subject: é\n\nbody".getBytes(UTF_8));
        assertThat(s.notes()).containsExactly(Map.entry("tenant", "t"));
    }

    @Test
    void jsonAfterBomAndBlanksWithBase64AndNullId() throws Exception {
        byte[] json = ("\uFEFF \r\n\t{\"id\": null, \"mailFrom\": \"a@b.test\", \"recipients\": [\"c@d.test\"],"
                + " \"contentsBase64\": \"AAEC/w==\"}").getBytes(UTF_8);
        DecodedSubmission s = decoder.decode("t", json);
        assertThat(s.hasId()).isFalse();
        assertThat(s.contents()).containsExactly(0, 1, 2, 0xff);
        assertThat(s.notes()).isEmpty();
    }

    @Test
    void unknownFieldIsNamedAndKnownPartsAreKept() {
        InvalidSubmissionException e = invalid("""
                {"id": "j-2", "mailFrom": "a@b.test", "recipients": ["c@d.test", 7, "e@f.test"], "contents": "x", "Subject": "hi"}""");
        assertThat(e.reason()).startsWith("unknown field \"Subject\" (allowed: id, mailFrom, recipients, contents, contentsBase64, notes)");
        assertThat(e.id()).isEqualTo("j-2");
        assertThat(e.mailFrom()).isEqualTo("a@b.test");
        assertThat(e.recipients()).containsExactly("c@d.test", "e@f.test");
    }

    @Test
    void fieldErrorsSayWhatIsWrong() {
        assertThat(invalid("{\"mailFrom\": \"a@b.test\", \"recipients\": [\"c@d.test\"]}").reason())
                .isEqualTo("\"contents\" or \"contentsBase64\" is required");
        assertThat(invalid("{\"mailFrom\": \"a@b.test\", \"recipients\": [], \"contents\": \"x\", \"contentsBase64\": \"eA==\"}").reason())
                .isEqualTo("give either \"contents\" or \"contentsBase64\", not both");
        assertThat(invalid("{\"recipients\": [], \"contents\": \"x\"}").reason()).startsWith("\"mailFrom\" is required");
        assertThat(invalid("{\"mailFrom\": null, \"recipients\": [], \"contents\": \"x\"}").reason()).startsWith("\"mailFrom\" must be a string");
        assertThat(invalid("{\"mailFrom\": \"\", \"contents\": \"x\"}").reason()).isEqualTo("\"recipients\" is required");
        assertThat(invalid("{\"mailFrom\": \"\", \"recipients\": \"a@b.test\", \"contents\": \"x\"}").reason())
                .isEqualTo("\"recipients\" must be an array of strings");
        assertThat(invalid("{\"mailFrom\": \"\", \"recipients\": [\"a@b.test\", null], \"contents\": \"x\"}").reason())
                .isEqualTo("\"recipients\"[1] must be a string");
        assertThat(invalid("{\"id\": 5, \"mailFrom\": \"\", \"recipients\": [], \"contents\": \"x\"}").reason())
                .isEqualTo("\"id\" must be a string or null");
        assertThat(invalid("{\"mailFrom\": \"\", \"recipients\": [], \"contents\": \"x\", \"notes\": {\"n\": 1}}").reason())
                .isEqualTo("\"notes\".\"n\" must be a string");
        assertThat(invalid("{\"mailFrom\": \"\", \"recipients\": [], \"contentsBase64\": \"@@@\"}").reason())
                .startsWith("\"contentsBase64\" is not base64");
    }

    @Test
    void malformedJsonDuplicatesAndTrailingContent() {
        assertThat(invalid("{\"mailFrom\": \"a@b.test\", \"recipients\": [").reason()).startsWith("malformed JSON: ");
        assertThat(invalid("{\"mailFrom\": \"a\", \"mailFrom\": \"b\", \"recipients\": [], \"contents\": \"x\"}").reason())
                .startsWith("malformed JSON: Duplicate field 'mailFrom'");
        assertThat(invalid("{\"mailFrom\": \"a\", \"recipients\": [], \"contents\": \"x\"} {}").reason())
                .startsWith("malformed JSON: ").contains("Trailing token");
    }

    @Test
    void otherFormatsAreRefusedWithAHint() {
        assertThat(invalid("hello".getBytes(UTF_8)).reason()).startsWith("unrecognised format, first bytes 68 65 6C 6C");
        assertThat(invalid(new byte[] {0, 0, 0, 0, 1, 2}).reason()).contains("Confluent wire format").contains("schema.registry.url");
        assertThat(invalid(new byte[0]).reason()).startsWith("empty record");
        assertThat(invalid((byte[]) null).reason()).startsWith("empty record (null value)");
        assertThat(invalid(new byte[] {(byte) 0xC3, 0x01, 1, 2, 3}).reason()).startsWith("undecodable Avro submission: ");
        byte[] good = Serdes.submission().serialize("t", new Submission(null, "", List.of(), ByteBuffer.allocate(0), Map.of()));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
        assertThat(invalid(truncated).reason()).startsWith("undecodable Avro submission: ");
        // Another record type in single-object encoding: unknown fingerprint.
        byte[] other = Serdes.controlCommand().serialize("t", new dev.outflow.avro.ControlCommand(dev.outflow.avro.Command.FLUSH, "c-1", 1L, "x"));
        assertThat(invalid(other).reason()).contains("unknown schema fingerprint");
    }

    @Test
    void jsonStartSkipsOnlyBomAndBlanks() {
        assertThat(SubmissionDecoder.jsonStart("  {".getBytes(UTF_8))).isEqualTo(2);
        assertThat(SubmissionDecoder.jsonStart("\uFEFF{".getBytes(UTF_8))).isEqualTo(3);
        assertThat(SubmissionDecoder.jsonStart("[{}]".getBytes(UTF_8))).isEqualTo(-1);
        assertThat(SubmissionDecoder.jsonStart("   ".getBytes(UTF_8))).isEqualTo(-1);
        assertThatThrownBy(() -> decoder.decode("t", "[]".getBytes(UTF_8))).isInstanceOf(InvalidSubmissionException.class);
    }
}

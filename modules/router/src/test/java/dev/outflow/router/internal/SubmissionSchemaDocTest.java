package dev.outflow.router.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outflow.codec.Serdes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/submission.schema.json and the examples in docs/submissions.md agree with the JSON parser. */
class SubmissionSchemaDocTest {
    private static final Path DOCS = Path.of("../../docs");
    private final SubmissionDecoder decoder = new SubmissionDecoder(Serdes.singleObject());

    @Test
    void schemaDeclaresExactlyTheFieldsTheRouterAccepts() throws Exception {
        JsonNode schema = new ObjectMapper().readTree(Files.readString(DOCS.resolve("submission.schema.json")));
        assertThat(schema.get("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        Set<String> properties = new HashSet<>();
        schema.get("properties").fieldNames().forEachRemaining(properties::add);
        assertThat(properties).isEqualTo(JsonSubmissions.FIELDS);
        assertThat(schema.get("additionalProperties").asBoolean(true)).isFalse();
        List<String> required = new ArrayList<>();
        schema.get("required").forEach(n -> required.add(n.asText()));
        assertThat(required).containsExactlyInAnyOrder("mailFrom", "recipients");
        for (JsonNode example : schema.get("examples")) {
            DecodedSubmission s = decoder.decode("t", example.toString().getBytes(UTF_8));
            assertThat(s.recipients()).isNotEmpty();
        }
    }

    @Test
    void everyJsonExampleInTheGuideDecodes() throws Exception {
        String guide = Files.readString(DOCS.resolve("submissions.md"));
        List<String> examples = new ArrayList<>();
        Matcher block = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(guide);
        while (block.find()) examples.add(block.group(1));
        // One-line JSON records in the shell examples (after "key|" or inside echo '...').
        Matcher line = Pattern.compile("(\\{\"id\":\"order-[^\\n]*?\\})(?:'|\\n)").matcher(guide);
        while (line.find()) examples.add(line.group(1));
        assertThat(examples).hasSizeGreaterThanOrEqualTo(3);
        for (String json : examples) {
            assertThat(decoder.decode("t", json.getBytes(UTF_8)).mailFrom()).as(json).isNotNull();
        }
    }
}

package dev.outflow.router.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON form of a submission (see {@code docs/submission.schema.json}): a UTF-8 object with
 * {@code id} (optional string or null), {@code mailFrom} (string, "" = null sender),
 * {@code recipients} (array of strings), exactly one of {@code contents} (string, sent as its
 * UTF-8 bytes) or {@code contentsBase64} (RFC 4648 base64), and optional {@code notes} (object of
 * strings). Unknown fields, duplicate fields and trailing content are errors naming what is wrong.
 *
 * <p>Stateless and thread-safe.
 */
final class JsonSubmissions {
    static final Set<String> FIELDS = Set.of("id", "mailFrom", "recipients", "contents", "contentsBase64", "notes");
    private static final String ALLOWED = "id, mailFrom, recipients, contents, contentsBase64, notes";

    private static final ObjectMapper MAPPER = mapper();

    private JsonSubmissions() {
    }

    private static ObjectMapper mapper() {
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // The record size limit of the topic bounds the input; Jackson's own 20 M char limit
                // would refuse a large base64 message the topic accepted.
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).maxNestingDepth(64).build())
                .build();
        return new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /**
     * Parses {@code length} bytes at {@code offset} (the first non-blank byte, a '{').
     *
     * @throws InvalidSubmissionException on malformed JSON or a field that breaks the schema
     */
    static DecodedSubmission parse(byte[] data, int offset, int length) throws InvalidSubmissionException {
        JsonNode root;
        try {
            root = MAPPER.readTree(data, offset, length);
        } catch (JsonProcessingException e) {
            throw new InvalidSubmissionException("malformed JSON: " + describe(e));
        } catch (IOException e) {
            throw new InvalidSubmissionException("malformed JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new InvalidSubmissionException("malformed JSON: not an object");
        String id = textOrNull(root.get("id"));
        String mailFrom = textOrNull(root.get("mailFrom"));
        List<String> knownRecipients = knownRecipients(root.get("recipients"));
        try {
            return fields(root);
        } catch (IllegalArgumentException e) {
            throw new InvalidSubmissionException(e.getMessage(), id, mailFrom, knownRecipients);
        }
    }

    private static DecodedSubmission fields(JsonNode root) {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("unknown field \"" + printable(name) + "\" (allowed: " + ALLOWED + ")");
            }
        }
        JsonNode idNode = root.get("id");
        String id = null;
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isTextual()) throw new IllegalArgumentException("\"id\" must be a string or null");
            id = idNode.textValue();
        }
        JsonNode from = root.get("mailFrom");
        if (from == null) throw new IllegalArgumentException("\"mailFrom\" is required (\"\" for the null sender)");
        if (!from.isTextual()) throw new IllegalArgumentException("\"mailFrom\" must be a string (\"\" for the null sender)");
        List<String> recipients = recipients(root.get("recipients"));
        byte[] contents = contents(root.get("contents"), root.get("contentsBase64"));
        Map<String, String> notes = notes(root.get("notes"));
        return new DecodedSubmission(id, from.textValue(), recipients, contents, notes, DecodedSubmission.Format.JSON);
    }

    private static List<String> recipients(JsonNode node) {
        if (node == null) throw new IllegalArgumentException("\"recipients\" is required");
        if (!node.isArray()) throw new IllegalArgumentException("\"recipients\" must be an array of strings");
        List<String> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode r = node.get(i);
            if (!r.isTextual()) throw new IllegalArgumentException("\"recipients\"[" + i + "] must be a string");
            out.add(r.textValue());
        }
        return out;
    }

    private static byte[] contents(JsonNode text, JsonNode base64) {
        if (text != null && base64 != null) {
            throw new IllegalArgumentException("give either \"contents\" or \"contentsBase64\", not both");
        }
        if (text != null) {
            if (!text.isTextual()) throw new IllegalArgumentException("\"contents\" must be a string");
            return text.textValue().getBytes(StandardCharsets.UTF_8);
        }
        if (base64 != null) {
            if (!base64.isTextual()) throw new IllegalArgumentException("\"contentsBase64\" must be a string");
            try {
                return Base64.getDecoder().decode(base64.textValue());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("\"contentsBase64\" is not base64 (RFC 4648, no line breaks): " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("\"contents\" or \"contentsBase64\" is required");
    }

    private static Map<String, String> notes(JsonNode node) {
        if (node == null || node.isNull()) return Map.of();
        if (!node.isObject()) throw new IllegalArgumentException("\"notes\" must be an object of strings");
        Map<String, String> out = new HashMap<>(node.size() * 2);
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("\"notes\".\"" + printable(e.getKey()) + "\" must be a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static String textOrNull(JsonNode n) {
        return n != null && n.isTextual() ? n.textValue() : null;
    }

    private static List<String> knownRecipients(JsonNode n) {
        if (n == null || !n.isArray()) return List.of();
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode r : n) {
            if (r.isTextual()) out.add(r.textValue());
        }
        return out;
    }

    /** Jackson's message without its source excerpt, with line and column. */
    private static String describe(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return printable(e.getOriginalMessage()) + where;
    }

    /** One line of bounded length: control characters replaced. */
    static String printable(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(c < 32 || c == 127 ? '?' : c);
        }
        return b.toString();
    }
}

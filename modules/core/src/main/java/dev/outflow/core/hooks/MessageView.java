package dev.outflow.core.hooks;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of one queued message for plugins (Haraka's hmail / transaction).
 * Headers are parsed lazily from the contents. Immutable and thread-safe.
 */
public final class MessageView {
    private final String id;
    private final String mailFrom;
    private final List<String> recipients;
    private final String domain;
    private final int numFailures;
    private final Map<String, String> notes;
    private final byte[] contents;
    private volatile List<Map.Entry<String, String>> headers;

    public MessageView(String id, String mailFrom, List<String> recipients, String domain, int numFailures,
                       Map<String, String> notes, byte[] contents) {
        this.id = id;
        this.mailFrom = mailFrom;
        this.recipients = List.copyOf(recipients);
        this.domain = domain;
        this.numFailures = numFailures;
        this.notes = Collections.unmodifiableMap(notes);
        this.contents = contents;
    }

    public String id() { return id; }
    /** Envelope sender; empty for the null sender. */
    public String mailFrom() { return mailFrom; }
    public List<String> recipients() { return recipients; }
    /** Recipient domain (A-label); null before the message is split per domain (queue_outbound). */
    public String domain() { return domain; }
    /** Temporary failures so far (Haraka's num_failures). */
    public int numFailures() { return numFailures; }
    public Map<String, String> notes() { return notes; }
    public int size() { return contents.length; }

    /** First value of a header, unfolded, or null. Name is case-insensitive. */
    public String header(String name) {
        for (var h : headers()) if (h.getKey().equalsIgnoreCase(name)) return h.getValue();
        return null;
    }

    /** All header fields in order, unfolded. */
    public List<Map.Entry<String, String>> headers() {
        List<Map.Entry<String, String>> h = headers;
        if (h == null) headers = h = parseHeaders(contents);
        return h;
    }

    static List<Map.Entry<String, String>> parseHeaders(byte[] contents) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        String name = null;
        StringBuilder value = new StringBuilder();
        int i = 0;
        while (i < contents.length) {
            int end = i;
            while (end < contents.length && contents[end] != '\n') end++;
            int lineEnd = end > i && contents[end - 1] == '\r' ? end - 1 : end;
            String line = new String(contents, i, lineEnd - i, StandardCharsets.UTF_8);
            i = end + 1;
            if (line.isEmpty()) break;
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && name != null) {
                value.append(' ').append(line.strip());
                continue;
            }
            if (name != null) out.add(Map.entry(name, value.toString()));
            int colon = line.indexOf(':');
            if (colon <= 0) { name = null; continue; }
            name = line.substring(0, colon).trim();
            value.setLength(0);
            value.append(line.substring(colon + 1).strip());
        }
        if (name != null) out.add(Map.entry(name, value.toString()));
        return Collections.unmodifiableList(out);
    }

    @Override
    public String toString() {
        return "MessageView[" + id + " from=<" + mailFrom + "> rcpts=" + recipients.size() + " domain=" + domain + "]";
    }
}

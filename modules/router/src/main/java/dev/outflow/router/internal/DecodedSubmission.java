package dev.outflow.router.internal;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A submission read from {@code outflow.submissions}, whatever its wire format, before validation.
 *
 * @param id         the producer's idempotency key, or null
 * @param mailFrom   envelope sender as written ("" = null sender)
 * @param recipients envelope recipients as written
 * @param contents   the raw message; not copied, not to be modified
 * @param notes      plugin notes
 * @param format     how it was encoded
 */
public record DecodedSubmission(String id, String mailFrom, List<String> recipients, byte[] contents,
                                Map<String, String> notes, Format format) {
    /** The wire formats the router tells apart per record. */
    public enum Format { AVRO, CONFLUENT, JSON }

    public DecodedSubmission {
        Objects.requireNonNull(mailFrom, "mailFrom");
        Objects.requireNonNull(recipients, "recipients");
        Objects.requireNonNull(contents, "contents");
        Objects.requireNonNull(format, "format");
        notes = notes == null ? Map.of() : notes;
    }

    /** True when the producer gave an idempotency key. */
    public boolean hasId() {
        return id != null && !id.isBlank();
    }
}

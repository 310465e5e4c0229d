package dev.outflow.codec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;

/**
 * Earlier versions of Outflow's record schemas, so records written by an older release still
 * decode after a schema change. When a schema in {@code schemas/} changes, copy its previous
 * version (self-contained: inline any named type it references) to
 * {@code modules/codec/src/main/resources/dev/outflow/codec/schema-history/} and add the file name
 * to the {@code INDEX} file there.
 *
 * <p>Loaded once; thread-safe.
 */
public final class SchemaHistory {
    static final String DIR = "/dev/outflow/codec/schema-history/";

    private static final SchemaStore.Cache STORE = load();

    private SchemaHistory() {
    }

    /** All historical schemas, looked up by fingerprint (the current ones are not needed here). */
    public static SchemaStore store() {
        return STORE;
    }

    /** The historical schemas, parsed. */
    public static List<Schema> schemas() {
        return read();
    }

    private static SchemaStore.Cache load() {
        SchemaStore.Cache cache = new SchemaStore.Cache();
        read().forEach(cache::addSchema);
        return cache;
    }

    private static List<Schema> read() {
        List<Schema> out = new ArrayList<>();
        try (InputStream index = SchemaHistory.class.getResourceAsStream(DIR + "INDEX")) {
            if (index == null) {
                return out;
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(index, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                String name = line.strip();
                if (name.isEmpty() || name.startsWith("#")) {
                    continue;
                }
                try (InputStream in = SchemaHistory.class.getResourceAsStream(DIR + name)) {
                    if (in == null) {
                        throw new IllegalStateException("schema history INDEX lists missing file " + name);
                    }
                    out.add(new Schema.Parser().parse(in));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema history", e);
        }
        return out;
    }
}

package dev.outflow.reporting.bounce;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sorts a failed delivery into a bounce class from its enhanced status code and reply text, like
 * KumoMTA's bounce classifier. Rules are tried in order, first match wins: the rules of the user's
 * file ({@code reporting.bounce_rules}) first, then the built-in ones
 * ({@code builtin-bounce-rules} beside this class); nothing matches → {@value #OTHER}.
 *
 * <p>Built-in classes: {@code bad-mailbox}, {@code mailbox-full}, {@code message-too-large},
 * {@code policy}, {@code spam/reputation}, {@code dns}, {@code tls}, {@code quota/rate},
 * {@code other}. A rules file may use more. Only {@value #BAD_MAILBOX} has a consequence beyond
 * statistics: a permanent bounce of that class suppresses the address.
 *
 * <p>File format: one rule per line, {@code <class> code <enhanced code pattern>} or
 * {@code <class> text <regular expression>}; blank lines and lines starting with {@code #} are
 * ignored. Immutable and thread-safe.
 *
 * <pre>{@code
 * BounceClassifier c = BounceClassifier.load(Path.of("config/bounce_rules"));
 * c.classify("5.1.1", "550 5.1.1 <bob@example.org>: user unknown");   // "bad-mailbox"
 * }</pre>
 */
public final class BounceClassifier {
    public static final String OTHER = "other";
    public static final String BAD_MAILBOX = "bad-mailbox";
    private static final String BUILTIN = "builtin-bounce-rules";

    private final List<BounceRule> rules;

    private BounceClassifier(List<BounceRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The built-in rules alone. */
    public static BounceClassifier builtin() {
        return new BounceClassifier(builtinRules());
    }

    /**
     * The rules of {@code file} followed by the built-in ones; a file that does not exist adds none.
     *
     * @throws IllegalArgumentException naming the file and line of a bad rule
     * @throws UncheckedIOException     when the file exists but cannot be read
     */
    public static BounceClassifier load(Path file) {
        List<BounceRule> all = new ArrayList<>();
        if (file != null) {
            try {
                all.addAll(parse(Files.readString(file, StandardCharsets.UTF_8), file.toString()));
            } catch (NoSuchFileException e) {
                // No user rules: the built-in ones apply.
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read bounce rules " + file + ": " + e.getMessage(), e);
            }
        }
        all.addAll(builtinRules());
        return new BounceClassifier(all);
    }

    /** Rules from text; {@code origin} names the source in errors ({@code file:line: problem}). */
    public static List<BounceRule> parse(String text, String origin) {
        List<BounceRule> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            try {
                out.add(BounceRule.parse(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(origin + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static List<BounceRule> builtinRules() {
        try (InputStream in = BounceClassifier.class.getResourceAsStream(BUILTIN)) {
            if (in == null) throw new IllegalStateException("built-in bounce rules missing from the class path");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), BUILTIN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The class of a reply; {@value #OTHER} when no rule matches. */
    public String classify(String enhancedCode, String response) {
        for (BounceRule r : rules) {
            if (r.matches(enhancedCode, response)) return r.bounceClass();
        }
        return OTHER;
    }

    /** The rules in the order they are tried. */
    public List<BounceRule> rules() {
        return rules;
    }
}

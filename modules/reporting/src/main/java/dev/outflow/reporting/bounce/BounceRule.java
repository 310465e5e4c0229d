package dev.outflow.reporting.bounce;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One classification rule: a class and what it matches, either the RFC 3463 enhanced status code
 * ({@code code 5.1.1}, {@code code *.2.2}, {@code code 5.7.*}) or the reply text (a regular
 * expression, case-insensitive: {@code text user unknown|no such user}). Immutable.
 *
 * @param bounceClass the class name, e.g. {@code bad-mailbox}
 * @param kind        {@code code} or {@code text}
 * @param pattern     as written in the rules file
 */
public record BounceRule(String bounceClass, String kind, String pattern, Pattern compiled) {
    private static final Pattern CLASS = Pattern.compile("[a-z][a-z0-9/_-]*");
    private static final Pattern CODE = Pattern.compile("([245*])\\.(\\d{1,3}|\\*)\\.(\\d{1,3}|\\*)");

    /**
     * Parses {@code <class> code|text <pattern>}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static BounceRule parse(String line) {
        String[] parts = line.strip().split("\\s+", 3);
        if (parts.length < 3) {
            throw new IllegalArgumentException("expected '<class> code|text <pattern>', got '" + line.strip() + "'");
        }
        String cls = parts[0];
        if (!CLASS.matcher(cls).matches()) {
            throw new IllegalArgumentException("class '" + cls + "' must be lower-case letters, digits, '/', '_' or '-'");
        }
        String kind = parts[1].toLowerCase(Locale.ROOT);
        String pattern = parts[2].strip();
        return switch (kind) {
            case "code" -> {
                var m = CODE.matcher(pattern);
                if (!m.matches()) {
                    throw new IllegalArgumentException("code pattern '" + pattern + "' must look like 5.1.1, 5.7.* or *.2.2");
                }
                String re = glob(m.group(1)) + "\\." + glob(m.group(2)) + "\\." + glob(m.group(3));
                yield new BounceRule(cls, kind, pattern, Pattern.compile(re));
            }
            case "text" -> {
                try {
                    yield new BounceRule(cls, kind, pattern, Pattern.compile(pattern, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new IllegalArgumentException("bad regular expression '" + pattern + "': " + e.getDescription());
                }
            }
            default -> throw new IllegalArgumentException("kind '" + parts[1] + "' must be 'code' or 'text'");
        };
    }

    private static String glob(String part) {
        return part.equals("*") ? "\\d{1,3}" : part;
    }

    /** Whether the rule matches a reply (null enhanced code or response never match their kind). */
    public boolean matches(String enhancedCode, String response) {
        if (kind.equals("code")) {
            return enhancedCode != null && compiled.matcher(enhancedCode.strip()).matches();
        }
        return response != null && compiled.matcher(response).find();
    }

    @Override
    public String toString() {
        return bounceClass + " " + kind + " " + pattern;
    }
}

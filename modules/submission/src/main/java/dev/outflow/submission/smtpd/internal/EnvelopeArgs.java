package dev.outflow.submission.smtpd.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The argument of MAIL and RCPT: {@code FROM:<path> KEY=VALUE ...}. The path is taken between
 * angle brackets (a quoted local part may contain {@code >} or blanks); a path without brackets
 * is accepted up to the first blank. Parameter keys are upper-cased; a key without value maps to null.
 */
record EnvelopeArgs(String address, Map<String, String> params) {
    /** Null when the syntax is wrong. */
    static EnvelopeArgs parse(String args, String prefix) {
        if (!args.regionMatches(true, 0, prefix, 0, prefix.length())) return null;
        int i = prefix.length();
        while (i < args.length() && args.charAt(i) == ' ') i++;            // lenient "FROM: <a>"
        if (i >= args.length()) return null;
        int end;
        String address;
        if (args.charAt(i) == '<') {
            boolean quoted = false;
            end = -1;
            for (int j = i + 1; j < args.length(); j++) {
                char c = args.charAt(j);
                if (quoted && c == '\\') j++;
                else if (c == '"') quoted = !quoted;
                else if (c == '>' && !quoted) {
                    end = j + 1;
                    break;
                }
            }
            if (end < 0) return null;
            address = args.substring(i, end);
        } else {
            end = args.indexOf(' ', i);
            if (end < 0) end = args.length();
            address = args.substring(i, end);
        }
        Map<String, String> params = new LinkedHashMap<>(4);
        int n = args.length();
        int k = end;
        while (k < n) {
            while (k < n && args.charAt(k) == ' ') k++;
            if (k >= n) break;
            int stop = args.indexOf(' ', k);
            if (stop < 0) stop = n;
            int eq = args.indexOf('=', k);
            if (eq >= stop) eq = -1;
            String key = args.substring(k, eq < 0 ? stop : eq).toUpperCase(Locale.ROOT);
            if (key.isEmpty()) return null;
            params.put(key, eq < 0 ? null : args.substring(eq + 1, stop));
            k = stop;
        }
        return new EnvelopeArgs(address, params);
    }
}

package dev.outflow.acceptance.harness;

/** Small helpers for putting process output into failure messages. */
public final class Logs {
    private Logs() {}

    /** The last {@code lines} lines of a text. */
    public static String tail(String text, int lines) {
        int i = text.length();
        for (int n = 0; n <= lines && i > 0; n++) i = text.lastIndexOf('\n', i - 1);
        return i <= 0 ? text : text.substring(i + 1);
    }
}

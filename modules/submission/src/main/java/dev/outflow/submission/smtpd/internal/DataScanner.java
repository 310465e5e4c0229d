package dev.outflow.submission.smtpd.internal;

/**
 * The DATA state machine: finds the terminating {@code CRLF.CRLF}, removes dot-stuffing, copies
 * the message with its CRLF line ends (unless the sink is null: discard), and stops at a CR or LF that is not part of CRLF. The data
 * starts at the beginning of a line (right after {@code DATA}'s 354). Runs of ordinary bytes are
 * copied in bulk. Not thread-safe; one per DATA.
 */
final class DataScanner {
    static final int LINE_START = 0;
    static final int IN_LINE = 1;
    static final int SAW_CR = 2;
    static final int DOT = 3;
    static final int DOT_CR = 4;
    static final int END = 5;
    static final int BAD = 6;

    int state = LINE_START;

    /** Consumes bytes of {@code buf[from, to)} until the data end, a bad line end, or the range end; answers how many. */
    int scan(byte[] buf, int from, int to, MessageBuffer sink) {
        int i = from;
        while (i < to) {
            switch (state) {
                case LINE_START, IN_LINE -> {
                    if (state == LINE_START && buf[i] == '.') {
                        state = DOT;
                        i++;
                        continue;
                    }
                    int run = i;
                    while (run < to && buf[run] != '\r' && buf[run] != '\n') run++;
                    if (run > i) {
                        if (sink != null) sink.write(buf, i, run - i);
                        i = run;
                        state = IN_LINE;
                        continue;
                    }
                    if (buf[i] == '\n') return bad(i, from);
                    state = SAW_CR;
                    i++;
                }
                case SAW_CR -> {
                    if (buf[i] != '\n') return bad(i, from);
                    if (sink != null) sink.writeCrlf();
                    state = LINE_START;
                    i++;
                }
                case DOT -> {
                    byte b = buf[i];
                    if (b == '\r') {
                        state = DOT_CR;
                        i++;
                    } else if (b == '\n') {
                        return bad(i, from);
                    } else {
                        state = IN_LINE;               // the stuffed dot is dropped, the rest of the line kept
                    }
                }
                case DOT_CR -> {
                    if (buf[i] != '\n') return bad(i, from);
                    state = END;
                    return i + 1 - from;
                }
                default -> {
                    return i - from;
                }
            }
        }
        return i - from;
    }

    private int bad(int at, int from) {
        state = BAD;
        return at - from;
    }
}

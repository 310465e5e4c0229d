package dev.outflow.testkit.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * What the fake server does at one point of the conversation: answer with a reply (null: the
 * default reply of that point), optionally after a delay; or stall (never answer, until the
 * client closes or the server stops); or close the connection without answering; or flood: send
 * continuation lines ({@code 250-...}) that never end, as fast as the client reads them, until it
 * hangs up (the attack of a hostile MX on a client's memory). Immutable.
 *
 * @param floodCode reply code of the endless reply, 0 when the action does not flood
 */
public record Action(Reply reply, Duration delay, boolean stalls, boolean disconnects, int floodCode) {
    public Action {
        delay = delay == null ? Duration.ZERO : delay;
        if (floodCode != 0 && (floodCode < 100 || floodCode > 599)) throw new IllegalArgumentException("reply code " + floodCode);
    }

    public Action(Reply reply, Duration delay, boolean stalls, boolean disconnects) {
        this(reply, delay, stalls, disconnects, 0);
    }

    /** Answer with {@code code-...} continuation lines forever (until the client closes or the server stops). */
    public static Action flood(int code) {
        return new Action(null, Duration.ZERO, false, false, code);
    }

    public boolean floods() {
        return floodCode != 0;
    }

    /** Answer with this reply. */
    public static Action reply(int code, String text) {
        return new Action(Reply.of(code, text), Duration.ZERO, false, false);
    }

    /** Answer with the default reply, after a delay. */
    public static Action delayed(Duration delay) {
        return new Action(null, Objects.requireNonNull(delay), false, false);
    }

    /** Never answer: the client has to give up (timeout). */
    public static Action stall() {
        return new Action(null, Duration.ZERO, true, false);
    }

    /** Close the connection without answering. */
    public static Action disconnect() {
        return new Action(null, Duration.ZERO, false, true);
    }

    /** The default reply, at once. */
    public static Action proceed() {
        return new Action(null, Duration.ZERO, false, false);
    }

    /** This action after a delay. */
    public Action after(Duration d) {
        return new Action(reply, d, stalls, disconnects, floodCode);
    }
}

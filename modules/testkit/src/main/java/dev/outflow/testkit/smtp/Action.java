package dev.outflow.testkit.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * What the fake server does at one point of the conversation: answer with a reply (null: the
 * default reply of that point), optionally after a delay; or stall (never answer, until the
 * client closes or the server stops); or close the connection without answering. Immutable.
 */
public record Action(Reply reply, Duration delay, boolean stalls, boolean disconnects) {
    public Action {
        delay = delay == null ? Duration.ZERO : delay;
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
        return new Action(reply, d, stalls, disconnects);
    }
}

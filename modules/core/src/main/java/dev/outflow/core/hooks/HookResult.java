package dev.outflow.core.hooks;

import java.time.Duration;
import java.util.Objects;

/**
 * What a hook answers, with Haraka's return codes. Which codes a hook may use is listed on each
 * {@link OutboundPlugin} method; others are treated as CONT and logged.
 *
 * @param code    the return code
 * @param message text for the sender or the log (DENY*, DENYSOFT), may be null
 * @param delay   for DELAY and DENYSOFT with a delay, else null
 */
public record HookResult(Code code, String message, Duration delay) {
    public enum Code { CONT, OK, DENY, DENYSOFT, DENYDISCONNECT, DELAY }

    private static final HookResult CONT = new HookResult(Code.CONT, null, null);
    private static final HookResult OK = new HookResult(Code.OK, null, null);

    public HookResult {
        Objects.requireNonNull(code);
        if (delay != null && delay.isNegative()) throw new IllegalArgumentException("negative delay");
    }

    public static HookResult cont() { return CONT; }
    public static HookResult ok() { return OK; }
    public static HookResult ok(String message) { return new HookResult(Code.OK, message, null); }
    public static HookResult deny(String message) { return new HookResult(Code.DENY, message, null); }
    public static HookResult denysoft(String message) { return new HookResult(Code.DENYSOFT, message, null); }
    /** DENYSOFT with a delay: the deferred hook's way to choose the retry delay. */
    public static HookResult denysoft(Duration delay) { return new HookResult(Code.DENYSOFT, null, delay); }
    public static HookResult denydisconnect(String message) { return new HookResult(Code.DENYDISCONNECT, message, null); }
    /** The send_email hook's way to postpone this attempt. */
    public static HookResult delay(Duration delay) { return new HookResult(Code.DELAY, null, Objects.requireNonNull(delay)); }

    public boolean isCont() { return code == Code.CONT; }
}

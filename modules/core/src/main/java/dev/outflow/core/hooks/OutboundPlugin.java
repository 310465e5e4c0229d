package dev.outflow.core.hooks;

import dev.outflow.core.config.Config;
import java.time.Duration;

/**
 * An Outflow plugin: Haraka's outbound hooks as Java methods. Every method has a default that
 * does nothing (CONT), so a plugin implements only what it needs. Plugins are found with
 * {@link java.util.ServiceLoader} (class path and the {@code plugins.dir} jars) and run in the
 * order of config {@code plugins}; for each hook the first non-CONT answer wins.
 *
 * <p>Methods are called concurrently from many delivery threads: implementations must be
 * thread-safe. An exception thrown by a hook is logged and treated as CONT (delivered, deferred)
 * or as DENYSOFT (queue_outbound), so a broken plugin can delay mail but never lose it.
 */
public interface OutboundPlugin {
    /** Name used in config {@code plugins} to order plugins. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Called once at start with the process configuration. */
    default void init(Config config) {}

    /** Before queueing: CONT queues; OK means the plugin handled it; DENY, DENYSOFT, DENYDISCONNECT reject with the message. */
    default HookResult queueOutbound(MessageView message) {
        return HookResult.cont();
    }

    /** Just before an attempt: CONT sends; DELAY(d) defers it by d without counting a failure. */
    default HookResult sendEmail(MessageView message) {
        return HookResult.cont();
    }

    /** Routes for a domain instead of DNS: CONT uses DNS. */
    default MxAnswer getMx(MessageView message, String domain) {
        return MxAnswer.cont();
    }

    /** After a temporary failure: CONT keeps the delay; OK drops the message; DENYSOFT(d) retries after d. */
    default HookResult deferred(MessageView message, Duration delay, String error) {
        return HookResult.cont();
    }

    /** After a permanent failure: CONT sends a DSN to the sender; OK sends none. */
    default HookResult bounce(MessageView message, BounceError error) {
        return HookResult.cont();
    }

    /** After a successful delivery; informational. */
    default void delivered(MessageView message, Delivered delivered) {}
}

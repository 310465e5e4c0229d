package dev.outflow.worker.internal;

import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.BounceError;
import dev.outflow.core.hooks.Delivered;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.MxAnswer;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import java.time.Duration;
import java.util.List;

/**
 * The worker calls the delivered hook itself, after the transaction with the DELIVERED event
 * commits. A {@link dev.outflow.core.delivery.Deliverer} calls it right after the SMTP
 * transaction; given {@link #withoutDelivered(PluginChain)} instead of the real chain, its call is
 * a no-op, so each delivery reaches the hook once.
 */
public final class DeliveredHookDeferral {
    private DeliveredHookDeferral() {
    }

    /** The same plugins, in order, with {@code delivered} doing nothing. */
    public static PluginChain withoutDelivered(PluginChain chain) {
        List<OutboundPlugin> wrapped = chain.plugins().stream().<OutboundPlugin>map(Silent::new).toList();
        return new PluginChain(wrapped);
    }

    private record Silent(OutboundPlugin p) implements OutboundPlugin {
        @Override public String name() { return p.name(); }
        @Override public void init(Config config) { p.init(config); }
        @Override public HookResult queueOutbound(MessageView m) { return p.queueOutbound(m); }
        @Override public HookResult sendEmail(MessageView m) { return p.sendEmail(m); }
        @Override public MxAnswer getMx(MessageView m, String domain) { return p.getMx(m, domain); }
        @Override public HookResult deferred(MessageView m, Duration delay, String error) { return p.deferred(m, delay, error); }
        @Override public HookResult bounce(MessageView m, BounceError error) { return p.bounce(m, error); }
        @Override public void delivered(MessageView m, Delivered d) { }
    }
}

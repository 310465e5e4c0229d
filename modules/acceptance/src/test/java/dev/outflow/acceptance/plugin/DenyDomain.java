package dev.outflow.acceptance.plugin;

import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import java.util.Locale;

/**
 * A queue_outbound policy for the acceptance suite, loaded by Outflow from its {@code plugins.dir}
 * (packed into a jar there by {@code PluginJar}): DENY for any message with a recipient in
 * {@value #DOMAIN}, with {@link #TEXT}; CONT otherwise. Stateless.
 */
public final class DenyDomain implements OutboundPlugin {
    public static final String DOMAIN = "denied.test";
    public static final String TEXT = "denied.test takes no mail (acceptance policy plugin)";

    @Override
    public String name() {
        return "acceptance-deny-domain";
    }

    @Override
    public HookResult queueOutbound(MessageView m) {
        boolean denied = m.recipients().stream().anyMatch(r -> r.toLowerCase(Locale.ROOT).endsWith("@" + DOMAIN));
        return denied ? HookResult.deny(TEXT) : HookResult.cont();
    }
}

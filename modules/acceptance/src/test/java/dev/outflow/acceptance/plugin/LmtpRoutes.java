package dev.outflow.acceptance.plugin;

import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.MxAnswer;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.mx.MxRoute;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A get_mx plugin for the acceptance suite, loaded by Outflow from its {@code plugins.dir} (the
 * suite packs this class into a jar there, see {@code PluginJar}): routes the domains named in the
 * environment variable {@value #ENV} ({@code domain=ip:port[,domain=ip:port]}) over LMTP, the way a
 * Haraka get_mx hook answers {@code {exchange, port, using_lmtp: true}}. Other domains: CONT (DNS).
 * There is no configuration key for LMTP routes, so a plugin is the operator's way in.
 *
 * <p>Thread-safe: the routes are fixed at {@link #init}.
 */
public final class LmtpRoutes implements OutboundPlugin {
    public static final String ENV = "ACCEPTANCE_LMTP_ROUTES";

    private volatile Map<String, MxRoute> routes = Map.of();

    @Override
    public String name() {
        return "acceptance-lmtp-routes";
    }

    @Override
    public void init(Config config) {
        Map<String, MxRoute> m = new HashMap<>();
        String spec = System.getenv(ENV);
        if (spec != null) {
            for (String entry : spec.split(",")) {
                if (entry.isBlank()) continue;
                int eq = entry.indexOf('=');
                MxRoute hostPort = MxRoute.parse(entry.substring(eq + 1));
                m.put(entry.substring(0, eq).strip().toLowerCase(Locale.ROOT),
                        new MxRoute(10, hostPort.exchange(), hostPort.port(), null, true));
            }
        }
        routes = Map.copyOf(m);
    }

    @Override
    public MxAnswer getMx(MessageView message, String domain) {
        MxRoute r = routes.get(domain.toLowerCase(Locale.ROOT));
        return r == null ? MxAnswer.cont() : MxAnswer.of(r);
    }
}

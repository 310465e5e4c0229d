package dev.outflow.core.hooks;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the plugins of a process, hook by hook, in order: the first non-CONT answer wins.
 * A plugin that throws is logged and skipped for that call: mail is delayed, never lost
 * (queue_outbound treats a failure as DENYSOFT). Thread-safe when the plugins are.
 */
public final class PluginChain {
    private static final Logger log = LoggerFactory.getLogger(PluginChain.class);

    private final List<OutboundPlugin> plugins;

    public PluginChain(List<? extends OutboundPlugin> plugins) {
        this.plugins = List.copyOf(plugins);
    }

    public static PluginChain empty() {
        return new PluginChain(List.of());
    }

    /**
     * Loads plugins with ServiceLoader from the class path and the jars of {@code plugins.dir},
     * orders them by config {@code plugins} (unlisted ones after, by name), and calls init.
     *
     * @throws ConfigException when {@code plugins} names a plugin that is not found
     */
    public static PluginChain load(Config config) {
        ClassLoader cl = pluginClassLoader(config.get(OutflowKeys.PLUGINS_DIR));
        List<OutboundPlugin> found = new ArrayList<>();
        ServiceLoader.load(OutboundPlugin.class, cl).forEach(found::add);
        List<String> order = config.get(OutflowKeys.PLUGINS);
        for (String name : order) {
            if (found.stream().noneMatch(p -> p.name().equals(name))) {
                throw new ConfigException(OutflowKeys.PLUGINS.name(), "plugin '" + name + "' is not on the class path or in "
                        + config.get(OutflowKeys.PLUGINS_DIR));
            }
        }
        found.sort(Comparator.<OutboundPlugin>comparingInt(p -> {
            int i = order.indexOf(p.name());
            return i < 0 ? Integer.MAX_VALUE : i;
        }).thenComparing(p -> p.getClass().getName()));
        for (OutboundPlugin p : found) {
            p.init(config);
            log.info("Plugin {} ({})", p.name(), p.getClass().getName());
        }
        return new PluginChain(found);
    }

    private static ClassLoader pluginClassLoader(Path dir) {
        ClassLoader parent = PluginChain.class.getClassLoader();
        if (dir == null || !Files.isDirectory(dir)) return parent;
        try (Stream<Path> jars = Files.list(dir)) {
            URL[] urls = jars.filter(p -> p.toString().endsWith(".jar")).sorted().map(PluginChain::url).toArray(URL[]::new);
            return urls.length == 0 ? parent : new URLClassLoader(urls, parent);
        } catch (IOException e) {
            throw new ConfigException(OutflowKeys.PLUGINS_DIR.name(), "cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static URL url(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<OutboundPlugin> plugins() {
        return plugins;
    }

    public HookResult queueOutbound(MessageView m) {
        for (OutboundPlugin p : plugins) {
            try {
                HookResult r = p.queueOutbound(m);
                if (r != null && !r.isCont()) return r;
            } catch (RuntimeException e) {
                log.error("Plugin {} failed in queue_outbound for {}", p.name(), m.id(), e);
                return HookResult.denysoft("plugin " + p.name() + " failed; try again later");
            }
        }
        return HookResult.cont();
    }

    public HookResult sendEmail(MessageView m) {
        for (OutboundPlugin p : plugins) {
            HookResult r = call(p, "send_email", m, () -> p.sendEmail(m));
            if (r.code() == HookResult.Code.DELAY) return r;
        }
        return HookResult.cont();
    }

    public MxAnswer getMx(MessageView m, String domain) {
        for (OutboundPlugin p : plugins) {
            try {
                MxAnswer a = p.getMx(m, domain);
                if (a != null && a.code() != HookResult.Code.CONT) return a;
            } catch (RuntimeException e) {
                log.error("Plugin {} failed in get_mx for {}", p.name(), domain, e);
                return MxAnswer.denysoft("get_mx plugin " + p.name() + " failed");
            }
        }
        return MxAnswer.cont();
    }

    public HookResult deferred(MessageView m, Duration delay, String error) {
        for (OutboundPlugin p : plugins) {
            HookResult r = call(p, "deferred", m, () -> p.deferred(m, delay, error));
            if (r.code() == HookResult.Code.OK || r.code() == HookResult.Code.DENYSOFT) return r;
        }
        return HookResult.cont();
    }

    public HookResult bounce(MessageView m, BounceError error) {
        for (OutboundPlugin p : plugins) {
            HookResult r = call(p, "bounce", m, () -> p.bounce(m, error));
            if (r.code() == HookResult.Code.OK) return r;
        }
        return HookResult.cont();
    }

    public void delivered(MessageView m, Delivered d) {
        for (OutboundPlugin p : plugins) {
            call(p, "delivered", m, () -> {
                p.delivered(m, d);
                return HookResult.cont();
            });
        }
    }

    private static HookResult call(OutboundPlugin p, String hook, MessageView m, java.util.function.Supplier<HookResult> f) {
        try {
            HookResult r = f.get();
            return r == null ? HookResult.cont() : r;
        } catch (RuntimeException e) {
            log.error("Plugin {} failed in {} for {}", p.name(), hook, m.id(), e);
            return HookResult.cont();
        }
    }
}

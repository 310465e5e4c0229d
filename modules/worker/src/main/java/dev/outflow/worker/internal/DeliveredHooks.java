package dev.outflow.worker.internal;

import dev.outflow.core.hooks.PluginChain;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Calls the delivered hook for the jobs of a committed transaction that delivered something. The
 * hook is informational: it runs after the commit, on a virtual thread, so a slow plugin never
 * holds the poll loop. Thread-safe when the plugins are.
 */
final class DeliveredHooks implements Consumer<List<Job>> {
    private final PluginChain hooks;

    /** @param hooks the plugins, or null for none */
    DeliveredHooks(PluginChain hooks) {
        this.hooks = hooks;
    }

    @Override
    public void accept(List<Job> committed) {
        if (hooks == null || hooks.plugins().isEmpty()) return;
        List<Job> delivered = null;
        for (Job j : committed) {
            if (j.delivered == null) continue;
            if (delivered == null) delivered = new ArrayList<>();
            delivered.add(j);
        }
        if (delivered == null) return;
        List<Job> batch = delivered;
        Thread.ofVirtual().name("outflow-delivered-hook").start(() -> {
            for (Job j : batch) hooks.delivered(j.delivery.view(), j.delivered);
        });
    }
}

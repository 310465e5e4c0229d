package dev.outflow.acceptance.harness;

import dev.outflow.testkit.dns.KnotDns;
import dev.outflow.testkit.smtp.FakeMx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A running Outflow ({@code bin/outflow up}) with what it needs around it: a real DNS server (knot
 * serving {@code dns/test.zone} of the testkit, where {@code dN.test} has its MX on 127.0.0.N) and
 * one SMTP port P on which every receiving server of the scenarios listens ({@code
 * outbound.smtp_port}), free on 127.0.0.2–127.0.0.20. The postmaster domain {@code d20.test}
 * (127.0.0.20) always accepts: scenarios send from {@code ...@d20.test}, so DSNs have a home.
 *
 * <p>Scenarios bring their own receiving servers on their own address (FakeMx, smtp-sink) for as
 * long as they run. Several test classes share one stack (see {@link Stacks}); starting Outflow
 * costs seconds to a minute on a busy 2-core machine. Closed at the end of the test run.
 */
public class Stack implements AutoCloseable {
    /** The postmaster domain's address: 127.0.0.20 ({@code d20.test}). */
    public static final String POSTMASTER_ADDRESS = "127.0.0.20";
    public static final String POSTMASTER_DOMAIN = "d20.test";

    static final Set<String> ACTIVE = ConcurrentHashMap.newKeySet();

    private final KnotDns dns;
    private final int port;
    private final FakeMx postmaster;
    private final Outflow outflow;
    private final OutflowProcess up;

    /**
     * @param name     the instance directory name
     * @param settings extra config keys (on top of {@link Outflow}'s defaults)
     * @param env      extra environment of the Outflow process
     * @param plugins  plugin classes of the test tree to drop into {@code plugins.dir}
     * @param beforeUp one-shot commands to run before {@code up} (e.g. {@code users add})
     */
    protected Stack(String name, Map<String, String> settings, Map<String, String> env, List<Class<?>> plugins,
                    Consumer<Outflow> beforeUp) {
        List<String> addresses = new ArrayList<>();
        for (int i = 2; i <= 20; i++) addresses.add("127.0.0." + i);
        this.port = Ports.freeOnAll(addresses.toArray(String[]::new));
        this.dns = KnotDns.builder().freePort().start();
        Outflow.Builder b = Outflow.builder(name).dns(dns.server()).smtpPort(port);
        settings.forEach(b::set);
        env.forEach((k, v) -> b.env(k, v.replace("{port}", String.valueOf(port))));
        this.outflow = b.create();
        for (Class<?> p : plugins) PluginJar.write(p, outflow.dir().resolve("plugins"));
        this.postmaster = FakeMx.builder().bind(POSTMASTER_ADDRESS).port(port).hostname("mx20.test").start();
        ACTIVE.add(name);
        beforeUp.accept(outflow);
        this.up = outflow.up();
    }

    public Outflow outflow() {
        return outflow;
    }

    public OutflowProcess process() {
        return up;
    }

    public EventLog events() {
        return outflow.events();
    }

    /** The port every receiving server listens on. */
    public int port() {
        return port;
    }

    /** The server of {@code d20.test}: accepts everything (DSNs to senders arrive here). */
    public FakeMx postmaster() {
        return postmaster;
    }

    public KnotDns dns() {
        return dns;
    }

    /** A sender address in the postmaster domain. */
    public static String sender(String local) {
        return local + "@" + POSTMASTER_DOMAIN;
    }

    @Override
    public void close() {
        try {
            outflow.close();
        } finally {
            postmaster.close();
            dns.close();
            ACTIVE.remove(outflow.name());
        }
    }
}

package dev.outflow.acceptance.harness;

import dev.outflow.acceptance.plugin.DenyDomain;
import dev.outflow.acceptance.plugin.LmtpRoutes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands the shared {@link Stack}s to test classes ({@code @BeforeAll static void start(MainStack s)})
 * and keeps them in JUnit's root store, which closes them after the last test of the run.
 */
public final class Stacks implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Stacks.class);

    /**
     * The everyday Outflow: short delay buckets ({@code 1s,2s,5s}), retries after 2 s three times
     * ({@code 2s*3}), {@code d10.test} routed over LMTP to 127.0.0.10 by the {@link LmtpRoutes}
     * plugin, queue_outbound DENY for {@code denied.test} by the {@link DenyDomain} plugin, SMTP submission user {@value #USER} (added with {@code outflow users add} before
     * {@code up}: the users file is read at start), and relay without AUTH only from
     * {@value #RELAY_CLIENT}.
     */
    public static final class MainStack extends Stack {
        public static final String USER = "alice";
        public static final String PASSWORD = "correct horse battery staple";
        public static final String RELAY_CLIENT = "127.0.0.21";

        MainStack() {
            super("MainStack", Map.of("smtpd.relay_networks", RELAY_CLIENT + "/32"),
                    Map.of(LmtpRoutes.ENV, "d10.test=127.0.0.10:{port}"), List.of(LmtpRoutes.class, DenyDomain.class),
                    o -> o.runWithInput(PASSWORD + "\n", "users", "add", USER, "--password-stdin").requireSuccess());
        }
    }

    /**
     * The operator's Outflow, for flush and pause: retries only after 10 minutes
     * ({@code outbound.temp_fail_intervals=10m*3}), so whatever is delivered sooner was flushed.
     */
    public static final class OperatorStack extends Stack {
        OperatorStack() {
            super("OperatorStack", Map.of("outbound.temp_fail_intervals", "10m*3"), Map.of(), List.of(), o -> { });
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        Class<?> t = p.getParameter().getType();
        return t == MainStack.class || t == OperatorStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        Class<?> t = p.getParameter().getType();
        return c.getRoot().getStore(NS).getOrComputeIfAbsent(t, k -> t == MainStack.class ? new MainStack() : new OperatorStack(), Stack.class);
    }
}

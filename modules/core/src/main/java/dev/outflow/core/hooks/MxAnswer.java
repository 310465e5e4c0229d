package dev.outflow.core.hooks;

import dev.outflow.core.mx.MxRoute;
import java.util.Arrays;
import java.util.List;

/**
 * The get_mx hook's answer: CONT (use DNS), a list of routes (every Haraka form: {@code host},
 * {@code host:port}, {@code ip}, {@code ip:port}, MX objects, a list of those), or a failure:
 * DENY bounces the domain's recipients, DENYSOFT defers them.
 */
public record MxAnswer(HookResult.Code code, List<MxRoute> routes, String message) {
    private static final MxAnswer CONT = new MxAnswer(HookResult.Code.CONT, List.of(), null);

    public MxAnswer {
        routes = List.copyOf(routes);
    }

    public static MxAnswer cont() { return CONT; }

    /** Routes given as Haraka strings, e.g. {@code "mx.example.com:2525"} or {@code "10.0.0.1"}. */
    public static MxAnswer of(String... routes) {
        return new MxAnswer(HookResult.Code.OK, Arrays.stream(routes).map(MxRoute::parse).toList(), null);
    }

    public static MxAnswer of(MxRoute... routes) {
        return new MxAnswer(HookResult.Code.OK, List.of(routes), null);
    }

    public static MxAnswer of(List<MxRoute> routes) {
        return new MxAnswer(HookResult.Code.OK, routes, null);
    }

    public static MxAnswer deny(String message) { return new MxAnswer(HookResult.Code.DENY, List.of(), message); }
    public static MxAnswer denysoft(String message) { return new MxAnswer(HookResult.Code.DENYSOFT, List.of(), message); }
}

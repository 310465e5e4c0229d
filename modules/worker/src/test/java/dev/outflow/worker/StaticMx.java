package dev.outflow.worker;

import dev.outflow.core.mx.MxHost;
import dev.outflow.core.mx.MxLookup;
import dev.outflow.core.mx.MxLookupResult;
import dev.outflow.core.mx.MxRoute;
import dev.outflow.testkit.smtp.FakeMx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake {@link MxLookup} (the edge of the world: DNS): each known domain's MX is a {@link FakeMx};
 * any other domain answers NXDOMAIN (550 5.1.2). Thread-safe.
 */
final class StaticMx implements MxLookup {
    private final Map<String, FakeMx> domains = new ConcurrentHashMap<>();
    private final Map<String, String> hostNames = new ConcurrentHashMap<>();

    StaticMx route(String domain, FakeMx mx) {
        domains.put(domain, mx);
        return this;
    }

    /** As {@link #route(String, FakeMx)}, with the MX host's name (default {@code mx.DOMAIN}). */
    StaticMx route(String domain, FakeMx mx, String mxHost) {
        hostNames.put(domain, mxHost);
        return route(domain, mx);
    }

    @Override
    public MxLookupResult lookup(String domain) {
        FakeMx mx = domains.get(domain);
        if (mx == null) return new MxLookupResult.Failed(true, 550, "5.1.2", "domain " + domain + " does not exist");
        return new MxLookupResult.Found(List.of(new MxHost(new MxRoute(10, hostNames.getOrDefault(domain, "mx." + domain), mx.port(), null, false),
                List.of(mx.address()))));
    }

    @Override
    public MxLookupResult resolve(List<MxRoute> routes) {
        return new MxLookupResult.Failed(false, 451, "4.4.3", "no get_mx routes in these tests");
    }
}

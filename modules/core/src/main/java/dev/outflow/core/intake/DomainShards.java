package dev.outflow.core.intake;

import dev.outflow.core.address.Domains;
import dev.outflow.core.address.InvalidAddressException;
import dev.outflow.core.config.Config;
import dev.outflow.core.config.ConfigException;
import dev.outflow.core.config.OutflowKeys;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Routing keys for {@code outbound.domain_shards} ({@code gmail.com:8,yahoo.com:4}): a sharded
 * domain's recipients are spread over keys {@code domain#0} … {@code domain#(n-1)} by a stable
 * hash of the recipient (FNV-1a of the address, ASCII case folded), so the same recipient always
 * lands on the same shard, in every process and JVM. Other domains use the domain itself.
 * Immutable and thread-safe.
 */
public final class DomainShards {
    private final Map<String, Integer> shards;

    private DomainShards(Map<String, Integer> shards) {
        this.shards = shards;
    }

    /**
     * @throws ConfigException when an entry is not {@code domain:n} with n ≥ 1
     */
    public static DomainShards from(Config config) {
        return parse(config.get(OutflowKeys.DOMAIN_SHARDS));
    }

    static DomainShards parse(List<String> entries) {
        Map<String, Integer> m = new HashMap<>();
        String key = OutflowKeys.DOMAIN_SHARDS.name();
        for (String e : entries) {
            int colon = e.lastIndexOf(':');
            if (colon <= 0 || colon == e.length() - 1) throw new ConfigException(key, "'" + e + "' is not domain:n (e.g. gmail.com:8)");
            int n;
            try {
                n = Integer.parseInt(e.substring(colon + 1).trim());
            } catch (NumberFormatException ex) {
                throw new ConfigException(key, "'" + e + "': shard count is not a number");
            }
            if (n < 1 || n > 1024) throw new ConfigException(key, "'" + e + "': shard count must be 1-1024");
            String domain;
            try {
                domain = Domains.toAscii(e.substring(0, colon).trim());
            } catch (InvalidAddressException ex) {
                throw new ConfigException(key, "'" + e + "': " + ex.reason());
            }
            if (n > 1) m.put(domain, n);
        }
        return new DomainShards(Map.copyOf(m));
    }

    /** Number of shards of a domain (A-label, lower case); 1 when not sharded. */
    public int shardCount(String domain) {
        return shards.getOrDefault(domain, 1);
    }

    /** The routing key of a recipient of {@code domain}: the domain, or {@code domain#n}. */
    public String routingKey(String domain, String recipient) {
        Integer n = shards.get(domain);
        if (n == null) return domain;
        return domain + '#' + shardOf(recipient, n);
    }

    /** Stable shard in [0, n) for a recipient address. */
    static int shardOf(String recipient, int n) {
        int h = 0x811c9dc5;
        for (int i = 0; i < recipient.length(); i++) {
            int c = recipient.charAt(i);
            if (c >= 'A' && c <= 'Z') c += 32;
            h ^= c;
            h *= 0x01000193;
        }
        return Math.floorMod(h, n);
    }
}

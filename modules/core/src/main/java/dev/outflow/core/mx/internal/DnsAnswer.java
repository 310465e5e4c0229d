package dev.outflow.core.mx.internal;

import java.util.List;
import org.xbill.DNS.Record;

/**
 * The outcome of one DNS question (name, type) after following CNAMEs, with how long it may be
 * cached ({@code ttlSeconds}; 0 = do not cache).
 */
public sealed interface DnsAnswer {
    long ttlSeconds();

    /** Records of the asked type, found at the end of the CNAME chain. Never empty. */
    record Records(List<Record> records, long ttlSeconds) implements DnsAnswer {
        public Records {
            records = List.copyOf(records);
        }
    }

    /** The name exists but has no record of this type (NOERROR, empty answer). */
    record NoData(long ttlSeconds) implements DnsAnswer {}

    /** The name does not exist (authoritative NXDOMAIN). */
    record NxDomain(long ttlSeconds) implements DnsAnswer {}

    /** No usable answer now: SERVFAIL, REFUSED, timeout, network error. Worth asking again later. */
    record Failure(String reason, long ttlSeconds) implements DnsAnswer {}
}

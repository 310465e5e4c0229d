package dev.outflow.webhooks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One configured webhook URL: its consumer group and its counters. The group is named from a
 * hash of the URL as configured, so each endpoint keeps its own committed progress across
 * restarts and an endpoint that is down holds back only itself. Thread-safe.
 */
public final class Endpoint {
    private final URI url;
    private final String group;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final Map<Failure, AtomicLong> failures = new EnumMap<>(Failure.class);

    Endpoint(String url, String groupPrefix) {
        this.url = URI.create(url.trim());
        this.group = groupPrefix + "webhooks." + hash(url.trim());
        for (Failure f : Failure.values()) failures.put(f, new AtomicLong());
    }

    /** The group name of {@code url}: {@code <prefix>webhooks.<16 hex digits of its SHA-256>}. */
    public static String group(String groupPrefix, String url) {
        return groupPrefix + "webhooks." + hash(url.trim());
    }

    public URI url() {
        return url;
    }

    /** The URL as logs and metrics show it: without user-info and query, which may hold credentials. */
    public String label() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()) + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    public String group() {
        return group;
    }

    /** Batches the endpoint acknowledged with a 2xx. */
    public long batches() {
        return batches.get();
    }

    /** Events in those batches. */
    public long events() {
        return events.get();
    }

    /** Events sent to the webhooks DLQ (too old, or undecodable). */
    public long deadLettered() {
        return deadLettered.get();
    }

    /** Failed POSTs of this kind (each retry counts). */
    public long failures(Failure kind) {
        return failures.get(kind).get();
    }

    void delivered(int eventCount) {
        batches.incrementAndGet();
        events.addAndGet(eventCount);
    }

    void failed(Failure kind) {
        failures.get(kind).incrementAndGet();
    }

    void deadLettered(int eventCount) {
        deadLettered.addAndGet(eventCount);
    }

    private static String hash(String url) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return label();
    }
}

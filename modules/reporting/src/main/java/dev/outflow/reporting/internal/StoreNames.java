package dev.outflow.reporting.internal;

/** Names of reporting's state stores (also the names interactive queries use). */
public final class StoreNames {
    /** Window store: message id → {@code MessageTrack}, at the time the message was first seen. */
    public static final String TRACKING = "tracking";
    /** Window store with duplicates: recipient address → message id, at the time the pair was first seen. */
    public static final String RECIPIENTS = "recipients";
    /** Window stores: domain → {@code Stats} of the window starting at the store timestamp (sums over domains are made when asked). */
    public static final String STATS_1M = "stats-1m";
    public static final String STATS_1H = "stats-1h";
    /** Global key-value store over the suppressions topic: address → {@code Suppression}. */
    public static final String SUPPRESSIONS = "suppressions";

    private StoreNames() {
    }
}

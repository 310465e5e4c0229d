package dev.outflow.reporting;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What tracking knows about one recipient of a message: its current state and its last attempts
 * (oldest first, at most {@code reporting.attempt_history}). States: {@code queued},
 * {@code deferred} (with {@code nextAttemptAt} and the last reply), {@code delivered},
 * {@code bounced}, {@code dropped}, {@code rejected}. Mutable, not thread-safe: a value of the
 * tracking store, owned by one stream task at a time.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class RecipientTrack {
    public static final String QUEUED = "queued";

    public String address;
    public String domain;
    public String state;
    public Integer code;
    public String enhancedCode;
    public String response;
    public String bounceClass;
    public String reason;
    public String host;
    public String ip;
    public Boolean tls;
    public Integer attempts;
    public Long nextAttemptAt;
    public Long delayMs;
    public long at;
    public List<Attempt> history = new ArrayList<>();

    /** A recipient known only from its queued message. */
    public static RecipientTrack queued(String address, String domain, long queuedAt) {
        RecipientTrack r = new RecipientTrack();
        r.address = address;
        r.domain = domain;
        r.state = QUEUED;
        r.attempts = 0;
        r.at = queuedAt;
        return r;
    }

    static boolean terminal(String state) {
        return state != null && !state.equals(QUEUED) && !state.equals("deferred");
    }

    /** Whether the history already holds this outcome at this attempt (a duplicate event). */
    public boolean seen(String outcome, int attempt) {
        if (outcome.equals(state) && terminal(state)) return true;
        for (Attempt a : history) {
            if (a.outcome().equals(outcome) && a.attempt() == attempt) return true;
        }
        return false;
    }

    /**
     * Records an outcome: appended to the history (trimmed to {@code historyMax}); it becomes the
     * current state unless the recipient already reached a final state (a late deferral changes
     * nothing but the history).
     */
    public void record(Attempt a, String reason, Long nextAttemptAt, int historyMax) {
        history.add(a);
        while (history.size() > historyMax) history.remove(0);
        if (terminal(state) && !terminal(a.outcome())) return;
        state = a.outcome();
        code = a.code();
        enhancedCode = a.enhancedCode();
        response = a.response();
        bounceClass = a.bounceClass();
        this.reason = reason;
        host = a.host();
        ip = a.ip();
        tls = a.host() == null ? null : a.tls();
        attempts = a.outcome().equals("deferred") ? a.attempt() : a.attempt() + 1;
        this.nextAttemptAt = nextAttemptAt;
        delayMs = a.delayMs();
        at = a.at();
    }
}

package dev.outflow.core.intake;

/** How a rejected message must be answered: a 5xx, a 4xx (try again later), or a 5xx and hang up. */
public enum RejectKind {
    /** The sender must not retry as is (5xx). */
    PERMANENT,
    /** The sender may retry later (4xx). */
    TEMPORARY,
    /** Permanent, and an SMTP session must be closed after the reply (queue_outbound DENYDISCONNECT). */
    DISCONNECT
}

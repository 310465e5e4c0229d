package dev.outflow.submission;

import dev.outflow.core.intake.IntakeResult;
import dev.outflow.core.intake.RejectKind;

/**
 * A message was refused by validation or a queue_outbound plugin. {@link #kind()} says whether
 * retrying later may help (TEMPORARY) or not; the SMTP code and enhanced code are those an SMTP
 * client would have received, e.g. {@code 550 5.1.3}.
 */
public final class SubmissionRejectedException extends RuntimeException {
    private final String id;
    private final RejectKind kind;
    private final int code;
    private final String enhancedCode;

    public SubmissionRejectedException(IntakeResult.Rejected rejected) {
        super(rejected.smtpReply());
        this.id = rejected.id();
        this.kind = rejected.kind();
        this.code = rejected.code();
        this.enhancedCode = rejected.enhancedCode();
    }

    /** The message id, when one was chosen before the rejection; else null. */
    public String id() {
        return id;
    }

    public RejectKind kind() {
        return kind;
    }

    public int code() {
        return code;
    }

    public String enhancedCode() {
        return enhancedCode;
    }

    public boolean isTemporary() {
        return kind == RejectKind.TEMPORARY;
    }
}

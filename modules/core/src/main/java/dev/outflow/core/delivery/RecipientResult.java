package dev.outflow.core.delivery;

/**
 * The result of one delivery attempt for one recipient.
 *
 * @param address      the recipient
 * @param status       what this result means for the recipient
 * @param code         SMTP reply code, 0 when no server answered (DNS, network)
 * @param enhancedCode RFC 3463 code such as {@code 5.1.1}, or null when unknown
 * @param response     the server's reply text, or our explanation
 */
public record RecipientResult(String address, Status status, int code, String enhancedCode, String response) {
    public enum Status { DELIVERED, DEFERRED, BOUNCED }

    /** Classifies a reply code: 2xx delivered, 5xx bounced, anything else deferred. */
    public static Status classify(int code) {
        if (code >= 200 && code < 300) return Status.DELIVERED;
        if (code >= 500 && code < 600) return Status.BOUNCED;
        return Status.DEFERRED;
    }

    public static RecipientResult of(String address, int code, String enhancedCode, String response) {
        return new RecipientResult(address, classify(code), code, enhancedCode, response);
    }

    /** Diagnostic for DSNs and events: {@code 550 5.1.1 no such user}. */
    public String diagnostic() {
        StringBuilder sb = new StringBuilder();
        if (code > 0) sb.append(code).append(' ');
        if (enhancedCode != null) sb.append(enhancedCode).append(' ');
        return sb.append(response == null ? "" : response).toString().trim();
    }
}

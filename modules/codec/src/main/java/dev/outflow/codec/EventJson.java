package dev.outflow.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.RecipientStatus;

/**
 * A {@link DeliveryEvent} as a JSON object with the Avro field names, for people and tools that do
 * not speak Avro ({@code outflow events}). Null fields are left out; the message embedded in a
 * DEFERRED event is summarised (id, sender, recipients, domain, times, attempt, size) without its
 * contents. Stateless, thread-safe.
 */
public final class EventJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventJson() {
    }

    public static ObjectNode of(DeliveryEvent e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("messageId", e.getMessageId());
        n.put("outcome", e.getOutcome().name());
        ArrayNode rcpts = n.putArray("recipients");
        for (RecipientStatus r : e.getRecipients()) {
            ObjectNode o = rcpts.addObject();
            o.put("address", r.getAddress());
            o.put("code", r.getCode());
            if (r.getEnhancedCode() != null) o.put("enhancedCode", r.getEnhancedCode());
            o.put("response", r.getResponse());
        }
        n.put("domain", e.getDomain());
        n.put("mailFrom", e.getMailFrom());
        if (e.getHost() != null) n.put("host", e.getHost());
        if (e.getIp() != null) n.put("ip", e.getIp());
        if (e.getPort() != null) n.put("port", e.getPort());
        if (e.getMode() != null) n.put("mode", e.getMode());
        n.put("tls", e.getTls());
        n.put("delayMs", e.getDelayMs());
        n.put("attempt", e.getAttempt());
        n.put("at", e.getAt());
        if (e.getNextAttemptAt() != null) n.put("nextAttemptAt", e.getNextAttemptAt());
        if (e.getReason() != null) n.put("reason", e.getReason());
        if (e.getWorkerId() != null) n.put("workerId", e.getWorkerId());
        if (e.getMessage() != null) {
            OutboundMessage m = e.getMessage();
            ObjectNode o = n.putObject("message");
            o.put("id", m.getId());
            o.put("mailFrom", m.getMailFrom());
            ArrayNode a = o.putArray("recipients");
            m.getRecipients().forEach(a::add);
            o.put("domain", m.getDomain());
            o.put("queuedAt", m.getQueuedAt());
            o.put("attempt", m.getAttempt());
            o.put("notBefore", m.getNotBefore());
            o.put("size", m.getContents() == null ? 0 : m.getContents().remaining());
        }
        return n;
    }
}

package dev.outflow.reporting;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Everything tracking knows about one message id: sender, when it was first seen and last
 * changed, and each recipient's {@link RecipientTrack}. A message split over several domains has
 * all its recipients here. Mutable, not thread-safe (a value of the tracking store).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class MessageTrack {
    public String id;
    public String mailFrom;
    /** Set when this message is a DSN: the id of the message that bounced. */
    public String dsnOf;
    public long firstSeen;
    public long updatedAt;
    public Map<String, RecipientTrack> recipients = new LinkedHashMap<>();

    public static MessageTrack of(String id, long firstSeen) {
        MessageTrack m = new MessageTrack();
        m.id = id;
        m.firstSeen = firstSeen;
        m.updatedAt = firstSeen;
        return m;
    }

    /** The summary state over the recipients: the state all share, else {@code mixed}. */
    @JsonProperty(value = "state", access = JsonProperty.Access.READ_ONLY)
    public String state() {
        String s = null;
        for (RecipientTrack r : recipients.values()) {
            if (s == null) s = r.state;
            else if (!s.equals(r.state)) return "mixed";
        }
        return s == null ? RecipientTrack.QUEUED : s;
    }
}

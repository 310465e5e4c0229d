package dev.outflow.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.avro.OutboundMessage;
import dev.outflow.core.delivery.Delivery;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageCheckTest {

    @Test
    void acceptsAWellFormedMessageAndConvertsIt() {
        OutboundMessage m = Jobs.message("id-1", "Example.COM", "a@example.com", "<b@EXAMPLE.com>");
        MessageCheck.Checked c = MessageCheck.check(m);
        assertThat(c.rejection()).isNull();
        Delivery d = c.delivery();
        assertThat(d.domain()).isEqualTo("example.com");
        assertThat(d.recipients()).containsExactly("a@example.com", "b@example.com");
        assertThat(d.contents()).isSameAs(m.getContents().array());
        assertThat(d.queuedAt()).isEqualTo(Jobs.QUEUED);
        assertThat(d.notes()).containsEntry("k", "v");
    }

    @Test
    void rejectsWhatCanNeverBeDelivered() {
        assertThat(problem(Jobs.message("id", "x.test")).reason()).contains("no recipients");
        assertThat(problem(Jobs.message("id", "x.test", "a b@x.test")).reason()).contains("invalid recipient <a b@x.test>");
        assertThat(problem(Jobs.message("id", "x.test", "a@y.test")).reason()).contains("not in the message's domain x.test");
        assertThat(problem(Jobs.message("id", "", "a@x.test")).reason()).contains("invalid domain");
        OutboundMessage badSender = Jobs.message("id", "x.test", "a@x.test");
        badSender.setMailFrom("no at sign");
        assertThat(problem(badSender).enhancedCode()).isEqualTo("5.1.7");
        OutboundMessage empty = Jobs.message("id", "x.test", "a@x.test");
        empty.setContents(ByteBuffer.allocate(0));
        assertThat(problem(empty).reason()).contains("no contents");
        OutboundMessage nullSender = Jobs.message("id", "x.test", "a@x.test");
        nullSender.setMailFrom("");
        assertThat(MessageCheck.check(nullSender).delivery()).isNotNull();
        assertThat(List.of(problem(Jobs.message("", "x.test", "a@x.test")).enhancedCode())).containsExactly("5.6.0");
    }

    private static Rejection problem(OutboundMessage m) {
        return MessageCheck.check(m).rejection();
    }

    @Test
    void copiesContentsThatAreASliceOfALargerBuffer() {
        OutboundMessage m = Jobs.message("id", "x.test", "a@x.test");
        ByteBuffer slice = ByteBuffer.wrap("xxHELLOxx".getBytes()).position(2).limit(7).slice();
        m.setContents(slice);
        assertThat(new String(MessageCheck.check(m).delivery().contents())).isEqualTo("HELLO");
    }
}

package dev.outflow.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.outflow.avro.Command;
import dev.outflow.avro.ControlCommand;
import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.avro.RecipientStatus;
import dev.outflow.avro.Source;
import dev.outflow.avro.Submission;

/** Fully populated sample records (every optional field set, non-ASCII text, binary contents). */
final class Samples {
    private Samples() {
    }

    static byte[] contents(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    static OutboundMessage outboundMessage() {
        return OutboundMessage.newBuilder()
                .setId("0f8fad5b-d9cb-469f-a165-70867728950e")
                .setMailFrom("sender@example.org")
                .setRecipients(List.of("a@xn--bcher-kva.example", "b@xn--bcher-kva.example", "ünï@xn--bcher-kva.example"))
                .setDomain("xn--bcher-kva.example")
                .setContents(ByteBuffer.wrap(contents(2048)))
                .setQueuedAt(1_700_000_000_123L)
                .setAttempt(3)
                .setNotBefore(1_700_000_100_000L)
                .setNotes(Map.of("plugin.x", "y", "größe", "groß"))
                .setBounceOf("c0ffee")
                .setSource(Source.newBuilder().setChannel("smtp").setUser("alice").build())
                .setLastError("451 4.7.1 try later")
                .setThrottled(true)
                .build();
    }

    static DeliveryEvent deliveryEvent() {
        return DeliveryEvent.newBuilder()
                .setMessageId("0f8fad5b-d9cb-469f-a165-70867728950e")
                .setOutcome(Outcome.DEFERRED)
                .setRecipients(List.of(
                        RecipientStatus.newBuilder().setAddress("a@example.com").setCode(450).setEnhancedCode("4.2.0").setResponse("mailbox busy").build(),
                        RecipientStatus.newBuilder().setAddress("b@example.com").setCode(0).setResponse("").build()))
                .setDomain("example.com")
                .setMailFrom("")
                .setHost("mx1.example.com").setIp("127.0.0.2").setPort(2525).setMode("SMTP").setTls(true)
                .setDelayMs(1234).setAttempt(2).setAt(1_700_000_200_000L).setNextAttemptAt(1_700_000_300_000L)
                .setReason("450 mailbox busy").setWorkerId("worker-1")
                .setMessage(outboundMessage())
                .build();
    }

    static ControlCommand controlCommand() {
        return ControlCommand.newBuilder().setCommand(Command.FLUSH).setId("cmd-1").setIssuedAt(1_700_000_000_000L)
                .setIssuedBy("ops@host").build();
    }

    static Submission submission() {
        return Submission.newBuilder().setId("sub-1").setMailFrom("s@example.org")
                .setRecipients(List.of("x@example.com", "y@example.net"))
                .setContents(ByteBuffer.wrap("Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8)))
                .setNotes(Map.of("k", "v")).build();
    }
}

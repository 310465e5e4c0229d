package dev.outflow.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.avro.DeliveryEvent;
import dev.outflow.avro.OutboundMessage;
import dev.outflow.avro.Outcome;
import dev.outflow.codec.DlqRecords;
import dev.outflow.codec.Serdes;
import dev.outflow.codec.topics.Topics;
import dev.outflow.core.config.Config;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.DeliveryResult;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.disposition.DispositionPlan;
import dev.outflow.core.hooks.BounceError;
import dev.outflow.core.intake.DomainShards;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The mapping of a disposition plan to records, field by field (the contract of docs/events.md). */
class OutputRecordsTest {
    private static final Topics TOPICS = new Topics("t.", List.of("10s", "1m"));
    private final OutputRecords outputs = new OutputRecords(TOPICS, Serdes.deliveryEvent(), Serdes.outboundMessage(),
            DomainShards.from(Config.of(Map.of("outbound.domain_shards", "sender.test:4"))), "w-1");
    private final PartitionWindow w = new PartitionWindow(Jobs.TP);

    @Test
    void mapsEveryPartOfAPlan() {
        Job job = Jobs.waiting(w, 7, "mix.test");
        Delivery d = new Delivery("id-1", "sender@sender.test", List.of("ok@mix.test", "later@mix.test", "gone@mix.test"),
                "mix.test", "body".getBytes(StandardCharsets.UTF_8), Jobs.QUEUED, 2, Map.of(), null, null);
        RecipientResult ok = RecipientResult.of("ok@mix.test", 250, "2.0.0", "queued as X");
        RecipientResult later = RecipientResult.of("later@mix.test", 450, "4.2.1", "busy");
        RecipientResult gone = RecipientResult.of("gone@mix.test", 550, "5.1.1", "no such user");
        DeliveryResult result = new DeliveryResult(List.of(ok, later, gone), "mx.mix.test", "127.0.0.9", 2525, "SMTP", true, null, false, "mta-sts/enforce");
        Instant at = Jobs.QUEUED.plusSeconds(5);
        Instant next = at.plusSeconds(256);
        Delivery retry = new Delivery("id-1", d.mailFrom(), List.of("later@mix.test"), "mix.test", d.contents(), Jobs.QUEUED, 3,
                Map.of(), null, "450 4.2.1 busy");
        Delivery dsn = new Delivery("dsn-1", "", List.of("sender@sender.test"), "sender.test", "report".getBytes(StandardCharsets.UTF_8),
                at, 0, Map.of(), "id-1", null);
        DispositionPlan plan = new DispositionPlan(d, result, at, List.of(ok),
                Optional.of(new DispositionPlan.Deferral(retry, Duration.ofSeconds(256), next, List.of(later), true, "450 4.2.1 busy")),
                List.of(), Optional.of(new DispositionPlan.Bounce(new BounceError("550 5.1.1 no such user", null, List.of(), List.of(gone)),
                        Optional.of(dsn), null)));

        outputs.fromPlan(job, plan);

        assertThat(job.kinds).isEqualTo(Job.DELIVERED | Job.DEFERRED | Job.BOUNCED | Job.DSN);
        assertThat(job.delivered).isNotNull();
        assertThat(job.delivered.okRecipients()).containsExactly("ok@mix.test");
        List<ProducerRecord<byte[], byte[]>> out = job.outputs;
        assertThat(out).extracting(ProducerRecord::topic).containsExactly("t.delivered", "t.deferred", "t.bounced", "t.outbound");

        DeliveryEvent delivered = event(out.get(0));
        assertThat(new String(out.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("id-1");
        assertThat(delivered.getOutcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(delivered.getHost()).isEqualTo("mx.mix.test");
        assertThat(delivered.getIp()).isEqualTo("127.0.0.9");
        assertThat(delivered.getPort()).isEqualTo(2525);
        assertThat(delivered.getMode()).isEqualTo("SMTP");
        assertThat(delivered.getTls()).isTrue();
        assertThat(delivered.getTlsPolicy()).isEqualTo("mta-sts/enforce");
        assertThat(delivered.getDelayMs()).isEqualTo(5000);
        assertThat(delivered.getAttempt()).isEqualTo(2);
        assertThat(delivered.getAt()).isEqualTo(at.toEpochMilli());
        assertThat(delivered.getWorkerId()).isEqualTo("w-1");
        assertThat(delivered.getDomain()).isEqualTo("mix.test");
        assertThat(delivered.getMailFrom()).isEqualTo("sender@sender.test");
        assertThat(delivered.getRecipients()).singleElement().satisfies(r -> {
            assertThat(r.getAddress()).isEqualTo("ok@mix.test");
            assertThat(r.getCode()).isEqualTo(250);
            assertThat(r.getEnhancedCode()).isEqualTo("2.0.0");
            assertThat(r.getResponse()).isEqualTo("queued as X");
        });
        assertThat(delivered.getMessage()).isNull();

        DeliveryEvent deferred = event(out.get(1));
        assertThat(deferred.getOutcome()).isEqualTo(Outcome.DEFERRED);
        assertThat(deferred.getAttempt()).isEqualTo(3);
        assertThat(deferred.getNextAttemptAt()).isEqualTo(next.toEpochMilli());
        assertThat(deferred.getReason()).isEqualTo("450 4.2.1 busy");
        OutboundMessage m = deferred.getMessage();
        assertThat(m.getRecipients()).containsExactly("later@mix.test");
        assertThat(m.getAttempt()).isEqualTo(3);
        assertThat(m.getNotBefore()).isEqualTo(next.toEpochMilli());
        assertThat(m.getLastError()).isEqualTo("450 4.2.1 busy");
        assertThat(m.getSource().getChannel()).isEqualTo("api");
        assertThat(m.getSource().getUser()).isEqualTo("alice");
        assertThat(m.getQueuedAt()).isEqualTo(Jobs.QUEUED.toEpochMilli());

        DeliveryEvent bounced = event(out.get(2));
        assertThat(bounced.getOutcome()).isEqualTo(Outcome.BOUNCED);
        assertThat(bounced.getReason()).isEqualTo("550 5.1.1 no such user");
        assertThat(bounced.getRecipients()).extracting(r -> r.getAddress()).containsExactly("gone@mix.test");

        ProducerRecord<byte[], byte[]> dsnRecord = out.get(3);
        assertThat(new String(dsnRecord.key(), StandardCharsets.UTF_8)).startsWith("sender.test#"); // sharded sender domain
        OutboundMessage queued = Serdes.outboundMessage().deserialize("t.outbound", dsnRecord.value());
        assertThat(queued.getMailFrom()).isEmpty();
        assertThat(queued.getBounceOf()).isEqualTo("id-1");
        assertThat(queued.getSource().getChannel()).isEqualTo("dsn");
        assertThat(queued.getAttempt()).isZero();
        assertThat(queued.getNotBefore()).isZero();
    }

    @Test
    void dropsGetAnEventOnBounced() {
        Job job = Jobs.waiting(w, 1, "d.test");
        Delivery d = job.delivery;
        RecipientResult busy = RecipientResult.of(d.recipients().getFirst(), 451, "4.3.2", "busy");
        DispositionPlan plan = new DispositionPlan(d, new DeliveryResult(List.of(busy), null, null, 0, null, false, null),
                Jobs.QUEUED, List.of(), Optional.empty(), List.of(busy), Optional.empty());
        outputs.fromPlan(job, plan);
        assertThat(job.kinds).isEqualTo(Job.DROPPED);
        assertThat(job.outputs).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo("t.bounced");
            DeliveryEvent e = event(r);
            assertThat(e.getOutcome()).isEqualTo(Outcome.DROPPED);
            assertThat(e.getPort()).isNull();
            assertThat(e.getReason()).contains("451 4.3.2 busy");
        });
    }

    @Test
    void parksWithTheSameKeyToTheGivenBucket() {
        Job job = Jobs.waiting(w, 3, "p.test");
        Instant notBefore = Instant.parse("2025-03-01T12:00:10Z");
        ProducerRecord<byte[], byte[]> r = outputs.parked(job.record, job.message, notBefore, TOPICS.delay("10s"));
        assertThat(r.topic()).isEqualTo("t.delay.10s");
        assertThat(r.key()).isEqualTo(job.record.key());
        OutboundMessage m = Serdes.outboundMessage().deserialize(r.topic(), r.value());
        assertThat(m.getThrottled()).isTrue();
        assertThat(m.getNotBefore()).isEqualTo(notBefore.toEpochMilli());
        assertThat(m.getAttempt()).isZero();
        assertThat(m.getId()).isEqualTo("m3");
    }

    @Test
    void rejectionsGoToTheDlqWithAnEvent() {
        OutboundMessage m = Jobs.message("bad", "x.test", "a b@x.test");
        List<ProducerRecord<byte[], byte[]>> out = outputs.rejected(Jobs.record(4, "x.test"), m,
                new Rejection("invalid recipient", "5.1.3"), Jobs.QUEUED.plusSeconds(1));
        assertThat(out).extracting(ProducerRecord::topic).containsExactly("t.dlq", "t.bounced");
        assertThat(DlqRecords.reason(out.get(0).headers())).isEqualTo("invalid recipient");
        assertThat(out.get(0).value()).containsExactly(1, 2, 3);
        DeliveryEvent e = event(out.get(1));
        assertThat(e.getOutcome()).isEqualTo(Outcome.REJECTED);
        assertThat(e.getRecipients()).singleElement().satisfies(s -> {
            assertThat(s.getEnhancedCode()).isEqualTo("5.1.3");
            assertThat(s.getCode()).isZero();
        });
        assertThat(e.getDelayMs()).isEqualTo(1000);
    }

    private static DeliveryEvent event(ProducerRecord<byte[], byte[]> r) {
        return Serdes.deliveryEvent().deserialize(r.topic(), r.value());
    }

    @Test
    void noticesGoToOutboundAndDsnOptionsTravelWithTheRetry() {
        Job job = Jobs.waiting(w, 8, "mix.test");
        dev.outflow.core.delivery.DsnRequest options = new dev.outflow.core.delivery.DsnRequest("HDRS", "e1",
                Map.of("later@mix.test", new dev.outflow.core.delivery.DsnRequest.Recipient("DELAY", "rfc822;later+40old.test")), true);
        Delivery d = new Delivery("id-2", "sender@sender.test", List.of("later@mix.test"), "mix.test",
                "body".getBytes(StandardCharsets.UTF_8), Jobs.QUEUED, 0, Map.of(), null, null, options);
        RecipientResult later = RecipientResult.of("later@mix.test", 450, "4.2.1", "busy");
        DeliveryResult result = new DeliveryResult(List.of(later), "mx.mix.test", "127.0.0.9", 25, "SMTP", false, null);
        Instant at = Jobs.QUEUED.plusSeconds(5);
        Delivery retry = new Delivery("id-2", d.mailFrom(), d.recipients(), "mix.test", d.contents(), Jobs.QUEUED, 1, Map.of(), null,
                "450 4.2.1 busy", options);
        Delivery notice = new Delivery("dsn-2", "", List.of("sender@sender.test"), "sender.test", "delayed".getBytes(StandardCharsets.UTF_8),
                at, 0, Map.of(), "id-2", null);
        DispositionPlan plan = new DispositionPlan(d, result, at, List.of(),
                Optional.of(new DispositionPlan.Deferral(retry, Duration.ofSeconds(60), at.plusSeconds(60), List.of(later), true, "busy")),
                List.of(), Optional.empty(), List.of(notice));

        outputs.fromPlan(job, plan);

        assertThat(job.outputs).extracting(ProducerRecord::topic).containsExactly("t.deferred", "t.outbound");
        OutboundMessage queuedNotice = Serdes.outboundMessage().decode(job.outputs.get(1).value());
        assertThat(queuedNotice.getId()).isEqualTo("dsn-2");
        assertThat(queuedNotice.getBounceOf()).isEqualTo("id-2");
        assertThat(queuedNotice.getMailFrom()).isEmpty();
        var embedded = event(job.outputs.get(0)).getMessage().getDsn();
        assertThat(embedded.getRet()).isEqualTo("HDRS");
        assertThat(embedded.getDelayNotified()).isTrue();
        assertThat(embedded.getRecipients().get("later@mix.test").getOrcpt()).isEqualTo("rfc822;later+40old.test");
    }
}

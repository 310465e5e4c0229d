package dev.outflow.bench.e2e;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Outflow fed through Kafka: a plain producer in the benchmark's JVM (as any team's application
 * would be) writes JSON submissions to {@code outflow.submissions}; the router, the worker and the
 * events stand between it and the sink. The producer's CPU is the benchmark's, not the relay's.
 */
final class KafkaFedRelay implements Relay {
    private final OutflowRelay outflow;
    private final int n;
    private final String body;
    private final String rcpt;
    private int round;

    KafkaFedRelay(OutflowRelay outflow, int n, int bodyBytes, String rcpt) {
        this.outflow = outflow;
        this.n = n;
        this.rcpt = rcpt;
        // JSON-escaped lines ("\\r\\n" is 4 characters here, 2 bytes of mail): whole lines only, so
        // no escape is ever cut in half.
        String line = "All work and no play makes a benchmark a dull message.\\r\\n";
        StringBuilder sb = new StringBuilder(bodyBytes + line.length());
        while (sb.length() + line.length() <= bodyBytes) sb.append(line);
        this.body = sb.toString();
    }

    @Override
    public String name() {
        return "outflow via Kafka" + outflow.name().substring("outflow".length());
    }

    @Override
    public String describe() {
        return outflow.describe() + "; JSON submissions produced to outflow.submissions (acks=all, linger 5 ms), no SMTP intake";
    }

    @Override
    public void start(Sink sink) throws Exception {
        outflow.start(sink);
    }

    @Override
    public String listen() {
        return outflow.listen();
    }

    @Override
    public long rootPid() {
        return outflow.rootPid();
    }

    @Override
    public String afterCheck() {
        return outflow.afterCheck();
    }

    /** Produces the N submissions and waits for every ack; returns System.nanoTime() then. */
    long inject() throws Exception {
        int r = ++round;
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, outflow.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String id = "bench-" + r + "-" + i;
                String json = "{\"id\":\"" + id + "\",\"mailFrom\":\"sender@bench.test\",\"recipients\":[\"" + rcpt + "\"],"
                        + "\"contents\":\"From: sender@bench.test\\r\\nTo: " + rcpt + "\\r\\nSubject: " + id + "\\r\\n\\r\\n" + body + "\"}";
                producer.send(new ProducerRecord<>("outflow.submissions", id.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        return System.nanoTime();
    }

    @Override
    public void close() {
        outflow.close();
    }
}

package dev.outflow.scheduler;

import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;
import org.junit.jupiter.api.Test;
import dev.outflow.testkit.kafka.KafkaTestCluster;

class TxnProbeTest {
    @Test
    void probe() throws Exception {
        KafkaTestCluster k = KafkaTestCluster.get();
        String t = k.createTopic("probe", 3);
        for (String backoff : List.of("100", "10", "100", "10")) {
            for (boolean offsets : List.of(true, false)) {
            Map<String, Object> p = new HashMap<>();
            p.put("bootstrap.servers", k.bootstrapServers());
            p.put("transactional.id", "probe-" + backoff + UUID.randomUUID());
            p.put("retry.backoff.ms", backoff);
            p.put("linger.ms", 5);
            String group = "g" + UUID.randomUUID();
            Map<String, Object> cp = k.consumerProps(group);
            try (var prod = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
                 var cons = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                prod.initTransactions();
                cons.assign(List.of(new TopicPartition(t, 0)));
                long[] lat = new long[40];
                for (int i = 0; i < lat.length; i++) {
                    long t0 = System.nanoTime();
                    prod.beginTransaction();
                    prod.send(new ProducerRecord<>(t, i % 3, null, new byte[10]));
                    if (offsets) prod.sendOffsetsToTransaction(Map.of(new TopicPartition(t, 1), new OffsetAndMetadata(i)), cons.groupMetadata());
                    prod.commitTransaction();
                    lat[i] = (System.nanoTime() - t0) / 1_000_000;
                }
                Arrays.sort(lat);
                System.out.println("PROBE backoff=" + backoff + " offsets=" + offsets + " p50=" + lat[20] + " p90=" + lat[36] + " max=" + lat[39]);
            }
            }
        }
    }
}

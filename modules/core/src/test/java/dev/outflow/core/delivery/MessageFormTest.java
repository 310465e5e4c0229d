package dev.outflow.core.delivery;

import static dev.outflow.core.delivery.Fixtures.config;
import static dev.outflow.core.delivery.Fixtures.delivery;
import static dev.outflow.core.delivery.Fixtures.deliverer;
import static dev.outflow.core.delivery.StaticMxLookup.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.RecipientResult.Status;
import dev.outflow.testkit.smtp.FakeMx;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The content arrives byte-exact after the server removes dot stuffing; bare LFs become CRLF; SIZE is honoured. */
class MessageFormTest {
    @Test
    void dotStuffingAndBareLfNormalisationGiveAByteExactMessage() {
        String sent = "Subject: dots\r\n\r\n.leading dot\r\n..two dots\n.\nbare LF line\nmixed\r\n.\r\nlast line without end";
        String expected = "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nbare LF line\r\nmixed\r\n.\r\nlast line without end\r\n";
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            DeliveryResult r = d.deliver(delivery("s@outflow.test", List.of("a@example.com"), sent.getBytes(StandardCharsets.UTF_8)));

            assertThat(r.with(Status.DELIVERED)).hasSize(1);
            assertThat(mx.received().get(0).data()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
            // on the wire every line starting with a dot was doubled
            assertThat(mx.transcript(1).lines().stream().filter(l -> l.data()).map(l -> l.text()).toList())
                    .contains(".leading dot", "..two dots", ".");
        }
    }

    @Test
    void aMessageOverTheServersSizeLimitBouncesWith552WithoutBeingSent() {
        byte[] big = Fixtures.message("big", "x".repeat(2000) + "\r\n");
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").size(1000).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            DeliveryResult r = d.deliver(delivery("s@outflow.test", List.of("a@example.com", "b@example.com"), big));

            assertThat(r.recipients()).allSatisfy(rr -> {
                assertThat(rr.status()).isEqualTo(Status.BOUNCED);
                assertThat(rr.code()).isEqualTo(552);
                assertThat(rr.enhancedCode()).isEqualTo("5.3.4");
            });
            assertThat(mx.transcript(1).commands()).noneMatch(c -> c.startsWith("MAIL"));
        }
    }

    @Test
    void sizeIsDeclaredInMailFromWhenTheServerAdvertisesIt() {
        byte[] bareLf = "Subject: x\n\nbody\n".getBytes(StandardCharsets.US_ASCII);
        try (FakeMx mx = FakeMx.builder().bind("127.0.0.2").size(0).start();
             Deliverer d = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", mx)), config())) {
            d.deliver(delivery("s@outflow.test", List.of("a@example.com"), bareLf));

            // three bare LFs become CRLF: 3 more octets than stored
            assertThat(mx.received().get(0).mailParameter("SIZE")).isEqualTo("SIZE=" + (bareLf.length + 3));
            assertThat(mx.received().get(0).data()).hasSize(bareLf.length + 3);
        }
    }

    @Test
    void eightBitContentIsSentWithBody8bitmimeWhenOffered() {
        byte[] latin = "Subject: caf\u00e9\r\n\r\nna\u00efve\r\n".getBytes(StandardCharsets.UTF_8);
        try (FakeMx with = FakeMx.builder().bind("127.0.0.2").start();
             FakeMx without = FakeMx.builder().bind("127.0.0.3").noExtensions().start();
             Deliverer d1 = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", with)), config());
             Deliverer d2 = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", without)), config())) {
            d1.deliver(delivery("s@outflow.test", List.of("a@example.com"), latin));
            d2.deliver(delivery("s@outflow.test", List.of("a@example.com"), latin));

            assertThat(with.received().get(0).mailParameters()).containsExactly("BODY=8BITMIME", "SMTPUTF8");
            assertThat(without.received().get(0).mailParameters()).isEmpty();
            assertThat(without.received().get(0).data()).isEqualTo(latin);
        }
    }

    @Test
    void anAddressNeedingSmtputf8BouncesWith567OnlyWhereTheServerLacksIt() {
        List<String> rcpts = List.of("ascii@example.com", "j\u00f6rg@example.com");
        try (FakeMx legacy = FakeMx.builder().bind("127.0.0.2").smtputf8(false).start();
             FakeMx modern = FakeMx.builder().bind("127.0.0.3").start();
             Deliverer d1 = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", legacy)), config());
             Deliverer d2 = deliverer(StaticMxLookup.of("example.com", host(10, "mx.example.com", modern)), config())) {
            DeliveryResult old = d1.deliver(delivery(rcpts));
            assertThat(old.recipients()).extracting(RecipientResult::status).containsExactly(Status.DELIVERED, Status.BOUNCED);
            assertThat(old.recipients().get(1).enhancedCode()).isEqualTo("5.6.7");
            assertThat(legacy.received().get(0).recipients()).containsExactly("ascii@example.com");
            assertThat(legacy.received().get(0).mailParameter("SMTPUTF8")).isNull();

            DeliveryResult now = d2.deliver(delivery(rcpts));
            assertThat(now.with(Status.DELIVERED)).hasSize(2);
            assertThat(modern.received().get(0).mailParameter("SMTPUTF8")).isEqualTo("SMTPUTF8");
            assertThat(modern.received().get(0).recipients()).containsExactlyElementsOf(rcpts);
        }
    }
}

package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.intake.SuppressionCheck;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A suppressed recipient is refused at RCPT with 550 5.1.1 and the reason; the others of the message are queued. */
class SuppressedRecipientTest {
    private static final Map<String, String> RELAY = Map.of("smtpd.relay_networks", "127.0.0.0/8");
    private final Set<String> suppressed = ConcurrentHashMap.newKeySet();
    private final SuppressionCheck list = a -> suppressed.contains(a.toLowerCase(java.util.Locale.ROOT)) ? "suppressed (bounce: 550 5.1.1 user unknown)" : null;

    @TempDir
    Path dir;

    @Test
    void suppressedRecipientIsRefusedAtRcptAndTheOthersAreQueued() throws Exception {
        suppressed.add("gone@example.test");
        try (SmtpFixture f = SmtpFixture.startWithSuppressions(dir, RELAY, list); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            assertThat(c.cmd("RCPT TO:<Gone@Example.TEST>"))
                    .isEqualTo("550 5.1.1 <Gone@example.test> suppressed (bounce: 550 5.1.1 user unknown)");
            assertThat(c.cmd("RCPT TO:<here@example.test>")).startsWith("250 2.1.5");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: hi\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");

            assertThat(f.queue.queued()).hasSize(1);
            assertThat(f.queue.queued().get(0).parts().get(0).delivery().recipients()).isEqualTo(List.of("here@example.test"));
        }
    }

    @Test
    void onlyRecipientSuppressedMeansNoMessage() throws Exception {
        suppressed.add("gone@example.test");
        try (SmtpFixture f = SmtpFixture.startWithSuppressions(dir, RELAY, list); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            assertThat(c.cmd("RCPT TO:<gone@example.test>")).startsWith("550 5.1.1 ");
            assertThat(c.cmd("DATA")).startsWith("554 5.5.1");
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void disabledSuppressionAcceptsTheRecipient() throws Exception {
        suppressed.add("gone@example.test");
        Map<String, String> settings = new java.util.HashMap<>(RELAY);
        settings.put("suppression.enabled", "false");
        try (SmtpFixture f = SmtpFixture.startWithSuppressions(dir, settings, list); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            c.cmd("MAIL FROM:<s@sender.test>");
            assertThat(c.cmd("RCPT TO:<gone@example.test>")).startsWith("250 2.1.5");
        }
    }
}

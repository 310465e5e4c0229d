package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** queue_outbound answers over SMTP: CONT queues, OK accepts without queueing, DENY* reject. */
class QueueOutboundHookTest {
    @TempDir
    Path dir;

    /** Answers by the Subject header, and remembers what it saw. */
    static final class BySubject implements OutboundPlugin {
        final List<MessageView> seen = new CopyOnWriteArrayList<>();

        @Override
        public HookResult queueOutbound(MessageView m) {
            seen.add(m);
            return switch (m.header("Subject")) {
                case "deny" -> HookResult.deny("Spam is not welcome");
                case "denysoft" -> HookResult.denysoft("Greylisted, come back later");
                case "ok" -> HookResult.ok();
                case "disconnect" -> HookResult.denydisconnect("Go away");
                default -> HookResult.cont();
            };
        }
    }

    private final BySubject plugin = new BySubject();

    private String send(SmtpFixture f, RawSmtp c, String subject) throws Exception {
        c.cmd("MAIL FROM:<s@sender.test>");
        c.cmd("RCPT TO:<r@one.test>");
        c.cmd("DATA");
        return c.cmd("Subject: " + subject + "\r\n\r\nbody\r\n.");
    }

    private SmtpFixture fixture() throws Exception {
        return SmtpFixture.start(dir, Map.of("smtpd.relay_networks", "127.0.0.1"), List.of(plugin));
    }

    @Test
    void contQueues() throws Exception {
        try (SmtpFixture f = fixture(); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            String reply = send(f, c, "hello");

            assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(f.queue.queued()).hasSize(1);
            assertThat(plugin.seen).singleElement().satisfies(m -> {
                assertThat(m.domain()).isNull();
                assertThat(m.id()).isEqualTo(f.queue.queued().get(0).id());
                assertThat(m.header("Received")).contains("by outflow.test");
            });
        }
    }

    @Test
    void okAcceptsWithoutQueueing() throws Exception {
        try (SmtpFixture f = fixture(); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            assertThat(send(f, c, "ok")).startsWith("250 2.0.0");
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void denyRejectsPermanentlyWithThePluginsMessage() throws Exception {
        try (SmtpFixture f = fixture(); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            assertThat(send(f, c, "deny")).isEqualTo("550 5.7.1 Spam is not welcome");
            assertThat(c.cmd("NOOP")).startsWith("250");
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void denysoftRejectsTemporarily() throws Exception {
        try (SmtpFixture f = fixture(); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            assertThat(send(f, c, "denysoft")).isEqualTo("451 4.7.1 Greylisted, come back later");
            assertThat(f.queue.attempts()).isZero();
        }
    }

    @Test
    void denydisconnectRejectsAndHangsUp() throws Exception {
        try (SmtpFixture f = fixture(); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            assertThat(send(f, c, "disconnect")).isEqualTo("550 5.7.1 Go away");
            assertThat(c.reply()).isEmpty();
            assertThat(f.queue.attempts()).isZero();
        }
    }
}

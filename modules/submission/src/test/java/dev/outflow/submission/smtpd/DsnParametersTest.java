package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.delivery.DsnRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 3461 on SMTP submission: DSN is announced, RET/ENVID/NOTIFY/ORCPT are kept with each domain part, bad values are 501. */
class DsnParametersTest {
    private static final Map<String, String> RELAY = Map.of("smtpd.relay_networks", "127.0.0.1/32");

    @TempDir
    Path dir;

    @Test
    void optionsTravelWithTheMessagePartOfTheirRecipient() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, RELAY); RawSmtp c = f.connect()) {
            c.last();
            assertThat(c.ehloLines()).anyMatch(l -> l.substring(4).equals("DSN"));
            assertThat(c.cmd("MAIL FROM:<s@sender.test> RET=hdrs ENVID=QQ314159")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<a@one.test> NOTIFY=success,delay ORCPT=rfc822;a+40old.test")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<b@two.test> NOTIFY=NEVER")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<c@two.test>")).startsWith("250");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: x\r\n\r\nbody\r\n.")).startsWith("250");

            var parts = f.queue.queued().get(0).parts();
            DsnRequest one = parts.get(0).delivery().dsn();
            assertThat(one.ret()).isEqualTo("HDRS");
            assertThat(one.envid()).isEqualTo("QQ314159");
            assertThat(one.recipients()).containsExactly(Map.entry("a@one.test", new DsnRequest.Recipient("SUCCESS,DELAY", "rfc822;a+40old.test")));
            DsnRequest two = parts.get(1).delivery().dsn();
            assertThat(two.recipients()).containsExactly(Map.entry("b@two.test", new DsnRequest.Recipient("NEVER", null)));

            // The next transaction starts without them.
            c.cmd("MAIL FROM:<s@sender.test>");
            c.cmd("RCPT TO:<a@one.test>");
            c.cmd("DATA");
            c.cmd("Subject: y\r\n\r\nbody\r\n.");
            assertThat(f.queue.queued().get(1).parts().get(0).delivery().dsn()).isNull();
        }
    }

    @Test
    void badValuesAreSyntaxErrors() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, RELAY); RawSmtp c = f.connect()) {
            c.last();
            c.ehlo();
            assertThat(c.cmd("MAIL FROM:<s@sender.test> RET=ALL")).isEqualTo("501 5.5.4 RET must be FULL or HDRS");
            assertThat(c.cmd("MAIL FROM:<s@sender.test> ENVID=a=b")).isEqualTo("501 5.5.4 ENVID must be 1-100 characters of xtext");
            assertThat(c.cmd("MAIL FROM:<s@sender.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<a@one.test> NOTIFY=NEVER,SUCCESS")).isEqualTo("501 5.5.4 NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
            assertThat(c.cmd("RCPT TO:<a@one.test> ORCPT=a@old.test")).isEqualTo("501 5.5.4 ORCPT must be addr-type;xtext");
            assertThat(c.cmd("RCPT TO:<a@one.test> FOO=1")).isEqualTo("555 5.5.4 Unsupported parameter FOO");
        }
    }
}

package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client address flooding the listener with idle connections gets its own share
 * ({@code smtpd.client_connection_limit}, 50) and Postfix's refusal for the rest; it does not take
 * the slots of other addresses: a client on another address still logs in.
 */
class ClientFloodTest {
    private static final String FLOODER = "127.0.0.10";
    private static final String OTHER = "127.0.0.11";

    @TempDir
    Path dir;

    @Test
    void fiveHundredIdleConnectionsFromOneAddressDoNotLockOutAnother() throws Exception {
        List<RawSmtp> flood = new ArrayList<>();
        try (SmtpFixture f = SmtpFixture.start(dir)) {
            int greeted = 0;
            List<String> refusals = new ArrayList<>();
            try {
                for (int i = 0; i < 500; i++) {
                    RawSmtp c = new RawSmtp(FLOODER, f.port());
                    flood.add(c);
                    String first = c.last();
                    if (first.startsWith("220 ")) greeted++;
                    else refusals.add(first);
                }

                assertThat(greeted).isEqualTo(50);
                assertThat(refusals).hasSize(450).containsOnly("421 4.7.0 outflow.test Error: too many connections from " + FLOODER);
                assertThat(f.server.openConnections()).as("the flood holds only its own share").isEqualTo(50);

                try (RawSmtp other = RawSmtp.authenticated(OTHER, f.port())) {
                    assertThat(other.cmd("NOOP")).startsWith("250");
                }
            } finally {
                for (RawSmtp c : flood) c.close();
            }
        }
    }

    @Test
    void connectionRateIsLimitedPerAddress() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.client_connection_rate_limit", "3"))) {
            for (int i = 0; i < 3; i++) {
                try (RawSmtp c = new RawSmtp("127.0.0.12", f.port())) {
                    assertThat(c.last()).startsWith("220 ");
                    assertThat(c.cmd("QUIT")).startsWith("221");
                }
            }
            try (RawSmtp c = new RawSmtp("127.0.0.12", f.port())) {
                assertThat(c.last()).isEqualTo("421 4.7.0 outflow.test Error: too many connections from 127.0.0.12");
                assertThat(c.reply()).isEmpty();
            }
            try (RawSmtp c = new RawSmtp("127.0.0.13", f.port())) {
                assertThat(c.last()).startsWith("220 ");
            }
        }
    }

    @Test
    void relayNetworksAreExemptFromTheConnectionLimits() throws Exception {
        try (SmtpFixture f = SmtpFixture.start(dir, Map.of("smtpd.client_connection_limit", "2", "smtpd.relay_networks", "127.0.0.16/32"))) {
            try (RawSmtp a = new RawSmtp("127.0.0.16", f.port()); RawSmtp b = new RawSmtp("127.0.0.16", f.port());
                 RawSmtp c = new RawSmtp("127.0.0.16", f.port())) {
                assertThat(List.of(a.last(), b.last(), c.last())).allMatch(l -> l.startsWith("220 "));
            }
            try (RawSmtp a = new RawSmtp("127.0.0.17", f.port()); RawSmtp b = new RawSmtp("127.0.0.17", f.port());
                 RawSmtp c = new RawSmtp("127.0.0.17", f.port())) {
                assertThat(List.of(a.last(), b.last())).allMatch(l -> l.startsWith("220 "));
                assertThat(c.last()).isEqualTo("421 4.7.0 outflow.test Error: too many connections from 127.0.0.17");
            }
        }
    }
}

package dev.outflow.submission.smtpd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.submission.smtpd.RelayNetworks;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-client counters as pure policy, on a clock moved by hand. */
class ClientLimitsTest {
    private static final Duration BASE = Duration.ofSeconds(1);

    private final HandClock clock = new HandClock();

    @Test
    void failedAuthDelayDoublesPerRecentFailureUpToSixteenTimes() throws Exception {
        ClientLimits limits = new ClientLimits(0, 0, 100, Duration.ofMinutes(15), RelayNetworks.parse(List.of()), clock);
        InetAddress ip = InetAddress.getByName("192.0.2.1");

        List<Long> delays = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) delays.add(limits.authFailed(ip, BASE).toSeconds());

        assertThat(delays).containsExactly(1L, 2L, 4L, 8L, 16L, 16L, 16L);
        assertThat(limits.authFailed(InetAddress.getByName("192.0.2.2"), BASE)).as("another client starts at the base").isEqualTo(BASE);
        clock.advance(Duration.ofMinutes(16));
        assertThat(limits.authFailed(ip, BASE)).as("old failures aged out").isEqualTo(BASE);
    }

    @Test
    void authIsBlockedAtTheLimitUntilFailuresAgeOut() throws Exception {
        ClientLimits limits = new ClientLimits(0, 0, 3, Duration.ofMinutes(15), RelayNetworks.parse(List.of()), clock);
        InetAddress ip = InetAddress.getByName("192.0.2.1");
        for (int i = 0; i < 3; i++) {
            assertThat(limits.authBlocked(ip)).isFalse();
            limits.authFailed(ip, BASE);
        }
        assertThat(limits.authBlocked(ip)).isTrue();
        clock.advance(Duration.ofMinutes(15).plusSeconds(1));
        assertThat(limits.authBlocked(ip)).isFalse();
    }

    @Test
    void connectionRateWindowIsOneMinute() throws Exception {
        ClientLimits limits = new ClientLimits(0, 2, 10, Duration.ofMinutes(15), RelayNetworks.parse(List.of()), clock);
        InetAddress ip = InetAddress.getByName("192.0.2.1");
        assertThat(limits.admit(ip)).isNull();
        assertThat(limits.admit(ip)).isNull();
        assertThat(limits.admit(ip)).isEqualTo("too many connections");
        clock.advance(Duration.ofSeconds(61));
        assertThat(limits.admit(ip)).isNull();
    }

    @Test
    void concurrentConnectionsAreCountedUntilReleased() throws Exception {
        ClientLimits limits = new ClientLimits(2, 0, 10, Duration.ofMinutes(15), RelayNetworks.parse(List.of()), clock);
        InetAddress ip = InetAddress.getByName("192.0.2.1");
        assertThat(limits.admit(ip)).isNull();
        assertThat(limits.admit(ip)).isNull();
        assertThat(limits.admit(ip)).isEqualTo("too many connections");
        limits.release(ip);
        assertThat(limits.admit(ip)).isNull();
    }

    @Test
    void anIpv6ClientIsItsSlash64() throws Exception {
        ClientLimits limits = new ClientLimits(1, 0, 10, Duration.ofMinutes(15), RelayNetworks.parse(List.of()), clock);
        assertThat(limits.admit(InetAddress.getByName("2001:db8:1:2::1"))).isNull();
        assertThat(limits.admit(InetAddress.getByName("2001:db8:1:2:ffff::9"))).as("same /64").isEqualTo("too many connections");
        assertThat(limits.admit(InetAddress.getByName("2001:db8:1:3::1"))).as("another /64").isNull();
    }

    /** A clock tests move by hand. */
    private static final class HandClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

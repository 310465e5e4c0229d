package dev.outflow.core.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.Config;
import dev.outflow.core.delivery.RecipientResult;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DsnFieldsTest {

    @ParameterizedTest(name = "{0} {1} expired={2} -> {3}")
    @CsvSource(nullValues = "null", value = {
            "550, 5.1.1, false, 5.1.1",
            "550, null,  false, 5.0.0",
            "550, 4.2.2, false, 5.2.2",  // class moved to 5 as Haraka does
            "554, 5.7.1, false, 5.7.1",
            "550, 5.x.1, false, 5.0.0",  // malformed
            "550, 5.1234.1, false, 5.0.0",
            "0,   5.1.2, false, 5.1.2",  // no server (NXDOMAIN): the deliverer's own code
            "450, 4.2.2, true,  4.2.2",  // expired keeps the last temporary status
            "421, 4.4.2, true,  4.4.2",
            "0,   null,  true,  4.4.7",  // no usable status: delivery time expired
            "451, 5.1.1, true,  4.1.1",
            "450, 4.123.456, true, 4.123.456",
    })
    void status(int code, String enhanced, boolean expired, String want) {
        assertThat(DsnFields.status(RecipientResult.of("a@b.example", code, enhanced, "x"), expired)).isEqualTo(want);
    }

    @Test
    void diagnostic_names_smtp_only_when_a_server_answered() {
        assertThat(DsnFields.diagnostic(RecipientResult.of("a@b", 550, "5.1.1", "no such user")))
                .isEqualTo("smtp; 550 5.1.1 no such user");
        assertThat(DsnFields.diagnostic(RecipientResult.of("a@b", 0, null, "DNS lookup timed out")))
                .isEqualTo("X-Outflow; DNS lookup timed out");
        assertThat(DsnFields.diagnostic(RecipientResult.of("a@b", 451, null, "line one\r\nline two\n")))
                .isEqualTo("smtp; 451 line one; line two");
    }

    @Test
    void rfc5322_dates_in_the_clock_zone() {
        Instant t = Instant.parse("2025-01-05T09:03:04Z");
        assertThat(DsnFields.date(t, ZoneOffset.UTC)).isEqualTo("Sun, 5 Jan 2025 09:03:04 +0000");
        assertThat(DsnFields.date(t, ZoneId.of("Europe/Berlin"))).isEqualTo("Sun, 5 Jan 2025 10:03:04 +0100");
    }

    @Test
    void sender_domain_is_a_lower_case_a_label_after_the_last_at() {
        assertThat(DsnFields.senderDomain("Alice@Example.COM")).isEqualTo("example.com");
        assertThat(DsnFields.senderDomain("\"a@b\"@münchen.de")).isEqualTo("xn--mnchen-3ya.de");
        // the same IDNA2008 mapping as delivery (java.net.IDN would give strasse.de)
        assertThat(DsnFields.senderDomain("a@straße.de")).isEqualTo("xn--strae-oqa.de");
        assertThatThrownBy(() -> DsnFields.senderDomain("a@-bücher.de")).hasMessageContaining("a label starts with '-'");
        assertThat(DsnFields.senderDomain("a@[192.0.2.1]")).isEqualTo("[192.0.2.1]");
        assertThatThrownBy(() -> DsnFields.senderDomain("postmaster")).hasMessageContaining("has no domain");
        assertThatThrownBy(() -> DsnFields.senderDomain("a@")).hasMessageContaining("has no domain");
    }

    @Test
    void builder_from_config_uses_me_and_the_template_path(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path tpl = dir.resolve("bounce.txt");
        java.nio.file.Files.writeString(tpl, "custom {me}\n");
        Config c = Config.of(Map.of("me", "relay.test", "outbound.bounce_message", tpl.toString()));
        BounceBuilder b = BounceBuilder.fromConfig(c, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        var dsn = b.build(BounceBuilderTest.original(), new dev.outflow.core.hooks.BounceError("x", null, java.util.List.of(),
                java.util.List.of(BounceBuilderTest.BOB_550)));
        String raw = new String(dsn.contents(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(raw).contains("From: MAILER-DAEMON@relay.test").contains("custom relay.test").contains("Reporting-MTA: dns; relay.test");
    }
}

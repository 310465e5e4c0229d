package dev.outflow.core.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.delivery.RecipientResult;
import dev.outflow.core.hooks.BounceError;
import dev.outflow.core.mx.MxRoute;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Golden-style checks of the produced DSN, parsed back with Jakarta Mail. */
class BounceBuilderTest {
    static final Instant NOW = Instant.parse("2025-06-03T11:05:30Z");
    static final Instant QUEUED = Instant.parse("2025-06-01T08:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String ORIGINAL = String.join("\r\n",
            "From: Alice <alice@sender.example>",
            "To: bob@dest.example, carol@dest.example",
            "Subject: Quarterly report",
            "Message-ID: <orig-1@sender.example>",
            "Date: Sun, 1 Jun 2025 08:00:00 +0000",
            "",
            "Hello Bob,",
            "the numbers are attached.",
            "");

    static Delivery original(String sender, byte[] contents) {
        return new Delivery("01JORIGINAL", sender, List.of("bob@dest.example", "carol@dest.example"), "dest.example",
                contents, QUEUED, 0, Map.of(), null, null);
    }

    static Delivery original() {
        return original("alice@sender.example", ORIGINAL.getBytes(StandardCharsets.US_ASCII));
    }

    static BounceBuilder builder(long max, BounceTemplate template) {
        return new BounceBuilder("mx.outflow.test", max, template, CLOCK, () -> "dsn-1");
    }

    static final RecipientResult BOB_550 = RecipientResult.of("bob@dest.example", 550, "5.1.1", "<bob@dest.example>: no such user");
    static final RecipientResult CAROL_450 = RecipientResult.of("carol@dest.example", 450, "4.2.2", "mailbox full");

    static MimeMessage parse(byte[] bytes) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
    }

    static String text(BodyPart part) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        part.getDataHandler().writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void builds_a_three_part_rfc3464_report_to_the_sender() throws Exception {
        BounceError error = new BounceError("550 5.1.1 <bob@dest.example>: no such user",
                MxRoute.of(10, "mx1.dest.example"), List.of(), List.of(BOB_550));
        Delivery dsn = builder(10 << 20, BounceTemplate.builtIn()).build(original(), error);

        assertThat(dsn.id()).isEqualTo("dsn-1");
        assertThat(dsn.mailFrom()).isEmpty();
        assertThat(dsn.recipients()).containsExactly("alice@sender.example");
        assertThat(dsn.domain()).isEqualTo("sender.example");
        assertThat(dsn.bounceOf()).isEqualTo("01JORIGINAL");
        assertThat(dsn.attempt()).isZero();
        assertThat(dsn.queuedAt()).isEqualTo(NOW);
        assertThat(dsn.isBounceExempt()).isTrue();
        String raw = new String(dsn.contents(), StandardCharsets.UTF_8);
        assertThat(raw.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");

        MimeMessage m = parse(dsn.contents());
        assertThat(m.getHeader("From", null)).isEqualTo("MAILER-DAEMON@mx.outflow.test");
        assertThat(m.getHeader("To", null)).isEqualTo("alice@sender.example");
        assertThat(m.getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
        assertThat(m.getHeader("Message-ID", null)).isEqualTo("<dsn-1@mx.outflow.test>");
        assertThat(m.getHeader("Date", null)).isEqualTo("Tue, 3 Jun 2025 11:05:30 +0000");
        assertThat(m.getHeader("In-Reply-To", null)).isEqualTo("<orig-1@sender.example>");
        assertThat(m.getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(m.getContentType()).startsWith("multipart/report").contains("report-type=delivery-status");

        Multipart mp = (Multipart) m.getContent();
        assertThat(mp.getCount()).isEqualTo(3);
        assertThat(mp.getBodyPart(0).getContentType()).startsWith("text/plain");
        assertThat(mp.getBodyPart(1).getContentType()).startsWith("message/delivery-status");
        assertThat(mp.getBodyPart(2).getContentType()).startsWith("message/rfc822");

        String human = text(mp.getBodyPart(0));
        assertThat(human).contains("This is the mail system at mx.outflow.test.")
                .contains("Sender:            <alice@sender.example>")
                .contains("First recipient:   <bob@dest.example>")
                .contains("Reason:            550 5.1.1 <bob@dest.example>: no such user")
                .contains("Outflow message id 01JORIGINAL; report generated Tue, 3 Jun 2025 11:05:30 +0000 by process "
                        + ProcessHandle.current().pid());

        String status = text(mp.getBodyPart(1));
        assertThat(status).containsPattern(Pattern.compile("^Reporting-MTA: dns; mx.outflow.test$", Pattern.MULTILINE))
                .containsPattern(Pattern.compile("^Arrival-Date: Sun, 1 Jun 2025 08:00:00 \\+0000$", Pattern.MULTILINE))
                .containsPattern(Pattern.compile("^Final-Recipient: rfc822; bob@dest.example$", Pattern.MULTILINE))
                .containsPattern(Pattern.compile("^Action: failed$", Pattern.MULTILINE))
                .containsPattern(Pattern.compile("^Status: 5\\.1\\.1$", Pattern.MULTILINE))
                .containsPattern(Pattern.compile("^Remote-MTA: dns; mx1.dest.example$", Pattern.MULTILINE))
                .containsPattern(Pattern.compile("^Diagnostic-Code: smtp; 550 5.1.1 <bob@dest.example>: no such user$", Pattern.MULTILINE))
                .containsPattern(Pattern.compile("^Last-Attempt-Date: Tue, 3 Jun 2025 11:05:30 \\+0000$", Pattern.MULTILINE));
        // per-message fields, blank line, per-recipient fields (RFC 3464 2.1)
        assertThat(status).containsPattern("Arrival-Date: [^\r]*\r\n\r\nFinal-Recipient");

        MimeMessage attached = (MimeMessage) mp.getBodyPart(2).getContent();
        assertThat(attached.getSubject()).isEqualTo("Quarterly report");
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        attached.writeTo(back);
        assertThat(back.toString(StandardCharsets.US_ASCII)).isEqualTo(ORIGINAL);
    }

    @Test
    void expired_recipients_keep_their_temporary_status_and_the_failure_is_in_one_report() throws Exception {
        RecipientResult dave = RecipientResult.of("dave@dest.example", 0, null, "connection refused");
        BounceError error = new BounceError("550 5.1.1 no such user", null, List.of(CAROL_450, dave), List.of(BOB_550));
        Delivery dsn = builder(10 << 20, BounceTemplate.builtIn()).build(original(), error);

        String status = text(((Multipart) parse(dsn.contents()).getContent()).getBodyPart(1));
        String[] groups = status.split("\r\n\r\n");
        assertThat(groups).hasSize(4); // per-message + 3 recipients
        assertThat(groups[1]).contains("Final-Recipient: rfc822; bob@dest.example").contains("Status: 5.1.1");
        assertThat(groups[2]).contains("Final-Recipient: rfc822; carol@dest.example").contains("Action: failed")
                .contains("Status: 4.2.2").contains("Diagnostic-Code: smtp; 450 4.2.2 mailbox full");
        assertThat(groups[3]).contains("Final-Recipient: rfc822; dave@dest.example").contains("Status: 4.4.7")
                .contains("Diagnostic-Code: X-Outflow; connection refused").doesNotContain("Remote-MTA");
    }

    @Test
    void big_originals_are_returned_as_headers_only() throws Exception {
        StringBuilder body = new StringBuilder(ORIGINAL);
        String line = "x".repeat(76) + "\r\n";
        while (body.length() < 200_000) body.append(line);
        Delivery big = original("alice@sender.example", body.toString().getBytes(StandardCharsets.US_ASCII));
        BounceError error = new BounceError("550 5.1.1 no such user", null, List.of(), List.of(BOB_550));

        Delivery dsn = builder(100_000, BounceTemplate.builtIn()).build(big, error);

        assertThat(dsn.contents().length).isLessThan(100_000);
        Multipart mp = (Multipart) parse(dsn.contents()).getContent();
        assertThat(mp.getCount()).isEqualTo(3);
        assertThat(mp.getBodyPart(2).getContentType()).startsWith("text/rfc822-headers");
        String headers = text(mp.getBodyPart(2));
        assertThat(headers).contains("Subject: Quarterly report").contains("Message-ID: <orig-1@sender.example>")
                .doesNotContain("Hello Bob");
    }

    @Test
    void a_report_that_no_longer_fits_with_the_original_falls_back_to_headers() throws Exception {
        StringBuilder body = new StringBuilder(ORIGINAL);
        while (body.length() < 40_000) body.append("y".repeat(76)).append("\r\n");
        Delivery mid = original("alice@sender.example", body.toString().getBytes(StandardCharsets.US_ASCII));
        List<RecipientResult> many = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(RecipientResult.of("user" + i + "@dest.example", 550, "5.1.1", "<user" + i + "@dest.example>: no such user here"));
        }
        BounceError error = new BounceError("550 5.1.1 no such user", null, List.of(), many);
        // the original plus the usual overhead fits in 60 KB, but the 100-recipient report makes it too big
        Delivery unlimited = builder(10 << 20, BounceTemplate.builtIn()).build(mid, error);
        assertThat(unlimited.contents().length).isGreaterThan(60_000);
        assertThat(mid.contents().length + 16 * 1024).isLessThanOrEqualTo(60_000);

        Delivery dsn = builder(60_000, BounceTemplate.builtIn()).build(mid, error);

        assertThat(dsn.contents().length).isLessThanOrEqualTo(60_000);
        Multipart mp = (Multipart) parse(dsn.contents()).getContent();
        assertThat(mp.getBodyPart(2).getContentType()).startsWith("text/rfc822-headers");
        assertThat(text(mp.getBodyPart(1)).split("\r\n\r\n")).hasSize(101);
    }

    @Test
    void template_placeholders_and_header_block_like_harakas_file() throws Exception {
        BounceTemplate haraka = BounceTemplate.of(String.join("\n",
                "Received: (Haraka {pid} invoked for bounce); {date}",
                "Date: {date}",
                "From: MAILER-DAEMON@{me}",
                "To: {from}",
                "Subject: failure notice for {to}",
                "Message-Id: {msgid}",
                "Content-Type: text/html",
                "",
                "Hi. This is the mailer at {me}.",
                "Message {msgid} from {from} to {to}: {reason}",
                "Recipients: {recipients}; subject {subject}; unknown {nope}.",
                ""));
        BounceError error = new BounceError("550 5.1.1 no such user\r\nInjected: yes", null, List.of(CAROL_450), List.of(BOB_550));
        Delivery dsn = builder(10 << 20, haraka).build(original(), error);

        MimeMessage m = parse(dsn.contents());
        assertThat(m.getSubject()).isEqualTo("failure notice for bob@dest.example");
        assertThat(m.getHeader("Received", null)).startsWith("(Haraka " + ProcessHandle.current().pid() + " invoked for bounce); Tue, 3 Jun 2025");
        assertThat(m.getHeader("Message-ID", null)).isEqualTo("<dsn-1@mx.outflow.test>"); // not the template's
        assertThat(m.getHeader("Date")).containsExactly("Tue, 3 Jun 2025 11:05:30 +0000");
        assertThat(m.getHeader("Injected")).isNull();
        assertThat(m.getContentType()).startsWith("multipart/report");
        String human = text(((Multipart) m.getContent()).getBodyPart(0));
        assertThat(human).isEqualTo("Hi. This is the mailer at mx.outflow.test.\r\n"
                + "Message 01JORIGINAL from alice@sender.example to bob@dest.example: 550 5.1.1 no such user; Injected: yes\r\n"
                + "Recipients: bob@dest.example, carol@dest.example; subject Quarterly report; unknown ?.\r\n");
    }

    @Test
    void non_ascii_text_is_sent_as_utf8_and_idn_sender_domain_becomes_an_a_label() throws Exception {
        BounceError error = new BounceError("550 5.1.1 Empfänger unbekannt", null, List.of(),
                List.of(RecipientResult.of("bob@dest.example", 550, "5.1.1", "Empfänger unbekannt")));
        Delivery dsn = builder(10 << 20, BounceTemplate.of("Grund: {reason}\n"))
                .build(original("alice@Bücher.Example", ORIGINAL.getBytes(StandardCharsets.US_ASCII)), error);

        assertThat(dsn.domain()).isEqualTo("xn--bcher-kva.example");
        assertThat(dsn.recipients()).containsExactly("alice@Bücher.Example");
        BodyPart text = ((Multipart) parse(dsn.contents()).getContent()).getBodyPart(0);
        assertThat(text.getContentType()).containsIgnoringCase("charset=UTF-8");
        assertThat(text.getHeader("Content-Transfer-Encoding")[0]).isIn("quoted-printable", "base64"); // 7-bit safe
        assertThat((String) text.getContent()).isEqualTo("Grund: 550 5.1.1 Empfänger unbekannt\r\n");
    }

    @Test
    void utf8_addresses_and_subject_survive_as_utf8() throws Exception {
        String orig = "From: jörg@bücher.example\r\nSubject: Grüße aus München\r\n\r\nHallo\r\n";
        RecipientResult rcpt = RecipientResult.of("zoë@dest.example", 550, "5.1.1", "no such user");
        BounceError error = new BounceError("550 5.1.1 no such user", null, List.of(), List.of(rcpt));
        Delivery dsn = builder(10 << 20, BounceTemplate.of("Subject: Re: {subject}\n\nfor {to}\n"))
                .build(original("jörg@bücher.example", orig.getBytes(StandardCharsets.UTF_8)), error);

        String raw = new String(dsn.contents(), StandardCharsets.UTF_8);
        assertThat(raw).contains("\r\nTo: jörg@bücher.example\r\n").contains("Final-Recipient: rfc822; zoë@dest.example\r\n");
        MimeMessage m = parse(dsn.contents());
        assertThat(m.getSubject()).isEqualTo("Re: Grüße aus München");
        assertThat(((Multipart) m.getContent()).getBodyPart(0).getContent()).isEqualTo("for zoë@dest.example\r\n");
        assertThat(dsn.domain()).isEqualTo("xn--bcher-kva.example");
    }

    @Test
    void an_8bit_original_is_declared_8bit_and_attached_unchanged() throws Exception {
        byte[] contents = (ORIGINAL + "Grüße\r\n").getBytes(StandardCharsets.UTF_8);
        BounceError error = new BounceError("550 5.1.1 no such user", null, List.of(), List.of(BOB_550));
        Delivery dsn = builder(10 << 20, BounceTemplate.builtIn()).build(original("alice@sender.example", contents), error);

        BodyPart part = ((Multipart) parse(dsn.contents()).getContent()).getBodyPart(2);
        assertThat(part.getHeader("Content-Transfer-Encoding")).containsExactly("8bit");
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        ((MimeMessage) part.getContent()).writeTo(back);
        assertThat(back.toByteArray()).isEqualTo(contents);
    }

    @Test
    void long_multiline_diagnostics_are_folded_into_one_field() throws Exception {
        String reply = "mailbox unavailable\r\n" + "because ".repeat(200);
        BounceError error = new BounceError("x", null, List.of(),
                List.of(RecipientResult.of("bob@dest.example", 550, "5.2.1", reply)));
        Delivery dsn = builder(10 << 20, BounceTemplate.builtIn()).build(original(), error);

        String raw = new String(dsn.contents(), StandardCharsets.US_ASCII);
        for (String l : raw.split("\r\n")) assertThat(l.length()).isLessThanOrEqualTo(998);
        String status = text(((Multipart) parse(dsn.contents()).getContent()).getBodyPart(1));
        String unfolded = status.replace("\r\n ", " ").replace("\r\n\t", " ");
        assertThat(unfolded).contains("Diagnostic-Code: smtp; 550 5.2.1 mailbox unavailable; because because");
    }

    @Test
    void refuses_bounce_exempt_messages_and_senders_without_domain() {
        BounceError error = new BounceError("550", null, List.of(), List.of(BOB_550));
        BounceBuilder b = builder(10 << 20, BounceTemplate.builtIn());
        byte[] c = ORIGINAL.getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> b.build(original("", c), error)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null sender");
        Delivery dsnOfDsn = new Delivery("x", "a@b.example", List.of("bob@dest.example"), "dest.example", c, QUEUED, 0,
                Map.of(), "earlier", null);
        assertThatThrownBy(() -> b.build(dsnOfDsn, error)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.build(original("postmaster", c), error)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no domain");
        assertThatThrownBy(() -> b.build(original(), new BounceError("x", null, List.of(), List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

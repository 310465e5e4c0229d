package dev.outflow.core.intake;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outflow.core.config.Config;
import dev.outflow.core.delivery.Delivery;
import dev.outflow.core.hooks.HookResult;
import dev.outflow.core.hooks.MessageView;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class IntakeTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-04T05:06:07Z"), ZoneOffset.UTC);
    private static final byte[] MSG = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(UTF_8);

    private static Intake intake(Map<String, String> settings, OutboundPlugin... plugins) {
        Map<String, String> s = new java.util.HashMap<>(settings);
        s.putIfAbsent("me", "mx.test");
        return new Intake(Config.of(s), new PluginChain(List.of(plugins)), CLOCK);
    }

    private static IntakeResult submit(Intake intake, String from, List<String> to, byte[] contents) {
        return intake.submit(new IntakeRequest(null, from, to, contents, Map.of(), Origin.api()));
    }

    @Test
    void splitsRecipientsPerDomainWithOneIdAndAttemptZero() {
        IntakeResult r = submit(intake(Map.of()), "sender@example.org",
                List.of("a@one.test", "b@TWO.test", "c@one.test", "d@three.test"), MSG);

        assertThat(r).isInstanceOf(IntakeResult.Accepted.class);
        var parts = ((IntakeResult.Accepted) r).parts();
        assertThat(parts).extracting(RoutedDelivery::routingKey).containsExactly("one.test", "two.test", "three.test");
        assertThat(parts).extracting(p -> p.delivery().recipients())
                .containsExactly(List.of("a@one.test", "c@one.test"), List.of("b@two.test"), List.of("d@three.test"));
        assertThat(parts).allSatisfy(p -> {
            Delivery d = p.delivery();
            assertThat(d.id()).isEqualTo(r.id());
            assertThat(d.attempt()).isZero();
            assertThat(d.queuedAt()).isEqualTo(CLOCK.instant());
            assertThat(d.mailFrom()).isEqualTo("sender@example.org");
            assertThat(p.origin()).isEqualTo(Origin.api());
        });
        assertThat(parts).extracting(p -> p.delivery().domain()).containsExactly("one.test", "two.test", "three.test");
    }

    @Test
    void usesTheCallersIdAndOtherwiseAFreshUuid() {
        Intake intake = intake(Map.of());
        IntakeResult given = intake.submit(new IntakeRequest("order-42", "", List.of("a@x.test"), MSG, Map.of(), Origin.api()));
        IntakeResult fresh1 = submit(intake, "", List.of("a@x.test"), MSG);
        IntakeResult fresh2 = submit(intake, "", List.of("a@x.test"), MSG);

        assertThat(given.id()).isEqualTo("order-42");
        assertThat(fresh1.id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").isNotEqualTo(fresh2.id());
        assertThat(new String(((IntakeResult.Accepted) given).parts().get(0).delivery().contents(), UTF_8))
                .contains("Message-ID: <order-42@mx.test>\r\n");
    }

    @Test
    void idThatCannotBeAMessageIdGetsAFreshOneInTheHeader() {
        var r = (IntakeResult.Accepted) intake(Map.of()).submit(
                new IntakeRequest("a\"b", "", List.of("a@x.test"), MSG, Map.of(), Origin.api()));

        assertThat(r.id()).isEqualTo("a\"b");
        assertThat(new String(r.parts().get(0).delivery().contents(), UTF_8))
                .containsPattern("Message-ID: <[0-9a-f-]{36}@mx.test>\r\n");
    }

    @Test
    void nullSenderIsAccepted() {
        IntakeResult viaNull = submit(intake(Map.of()), null, List.of("a@x.test"), MSG);
        IntakeResult viaBrackets = submit(intake(Map.of()), "<>", List.of("a@x.test"), MSG);

        assertThat(((IntakeResult.Accepted) viaNull).parts().get(0).delivery().mailFrom()).isEmpty();
        assertThat(((IntakeResult.Accepted) viaBrackets).parts().get(0).delivery().mailFrom()).isEmpty();
        assertThat(((IntakeResult.Accepted) viaNull).parts().get(0).delivery().isBounceExempt()).isTrue();
    }

    @Test
    void rejectsBadAddressesEmptyRecipientsAndOversize() {
        Intake intake = intake(Map.of("outbound.max_message_bytes", "200"));

        assertRejected(submit(intake, "not an address", List.of("a@x.test"), MSG), 553, "5.1.7");
        assertRejected(submit(intake, "s@x.test", List.of("a@x.test", "nobody"), MSG), 550, "5.1.3");
        assertRejected(submit(intake, "s@x.test", List.of("a@bad_domain..test"), MSG), 550, "5.1.3");
        assertRejected(submit(intake, "s@x.test", List.of("a b@x.test"), MSG), 550, "5.1.3");
        assertRejected(submit(intake, "s@x.test", List.of(), MSG), 554, "5.5.1");
        assertRejected(submit(intake, "s@x.test", List.of("a@x.test"), new byte[201]), 552, "5.3.4");
        IntakeResult.Rejected r = (IntakeResult.Rejected) intake.submit(
                new IntakeRequest("bad id", "", List.of("a@x.test"), MSG, Map.of(), Origin.api()));
        assertThat(r.code()).isEqualTo(501);
    }

    @Test
    void sizeLimitCountsTheHeadersIntakeAdds() {
        byte[] noHeaders = "x\r\n".repeat(40).getBytes(UTF_8);          // 120 bytes, under the limit
        Intake intake = intake(Map.of("outbound.max_message_bytes", "150"));

        assertRejected(submit(intake, "s@x.test", List.of("a@x.test"), noHeaders), 552, "5.3.4");
    }

    @Test
    void rejectionCarriesAPrintableSmtpReply() {
        IntakeResult.Rejected r = (IntakeResult.Rejected) submit(intake(Map.of()), "", List.of("bad\r\nRSET@x"), MSG);

        assertThat(r.smtpReply()).startsWith("550 5.1.3 ").doesNotContain("\r").doesNotContain("\n");
        assertThat(r.kind()).isEqualTo(RejectKind.PERMANENT);
    }

    @Test
    void addsMessageIdAndDateWhenMissingAndNormalisesLineEnds() {
        byte[] lf = "From: a@example.org\nSubject: hi\r\rbody line\nlast".getBytes(UTF_8);
        var r = (IntakeResult.Accepted) submit(intake(Map.of()), "", List.of("a@x.test"), lf);

        String out = new String(r.parts().get(0).delivery().contents(), UTF_8);
        assertThat(out).isEqualTo("From: a@example.org\r\nSubject: hi\r\n"
                + "Message-ID: <" + r.id() + "@mx.test>\r\nDate: Tue, 4 Mar 2025 05:06:07 +0000\r\n"
                + "\r\nbody line\r\nlast\r\n");
    }

    @Test
    void keepsExistingMessageIdAndDateAndReturnsTheSameBytes() {
        byte[] complete = "Message-Id: <x@y>\r\nDATE : Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nb\r\n".getBytes(UTF_8);
        var r = (IntakeResult.Accepted) submit(intake(Map.of()), "", List.of("a@x.test"), complete);

        assertThat(r.parts().get(0).delivery().contents()).isSameAs(complete);
    }

    @Test
    void headerlessBodyGetsHeadersAndASeparatorBeforeIt() {
        var r = (IntakeResult.Accepted) submit(intake(Map.of()), "", List.of("a@x.test"), "just text\r\n".getBytes(UTF_8));

        String out = new String(r.parts().get(0).delivery().contents(), UTF_8);
        assertThat(out).startsWith("Message-ID: <").contains("\r\nDate: ").endsWith("+0000\r\n\r\njust text\r\n");
    }

    @Test
    void bodyLinesThatLookLikeHeadersAreNotSeen() {
        byte[] m = "Subject: s\r\n\r\nMessage-ID: <in@body>\r\nDate: x\r\n".getBytes(UTF_8);
        var r = (IntakeResult.Accepted) submit(intake(Map.of()), "", List.of("a@x.test"), m);

        String out = new String(r.parts().get(0).delivery().contents(), UTF_8);
        assertThat(out).startsWith("Subject: s\r\nMessage-ID: <" + r.id() + "@mx.test>\r\nDate: ");
    }

    @Test
    void idnDomainsBecomeLowerCaseALabelsAndDuplicatesCollapse() {
        var r = (IntakeResult.Accepted) submit(intake(Map.of()), "S@Bücher.Example",
                List.of("Jo@BÜCHER.example", "Jo@xn--bcher-kva.example", "x@Other.Test"), MSG);

        assertThat(r.parts()).extracting(RoutedDelivery::routingKey).containsExactly("xn--bcher-kva.example", "other.test");
        assertThat(r.parts().get(0).delivery().recipients()).containsExactly("Jo@xn--bcher-kva.example");
        assertThat(r.parts().get(0).delivery().mailFrom()).isEqualTo("S@xn--bcher-kva.example");
    }

    @Test
    void shardedDomainSpreadsRecipientsDeterministically() {
        Intake intake = intake(Map.of("outbound.domain_shards", "gmail.com:4"));
        List<String> to = new ArrayList<>();
        for (int i = 0; i < 40; i++) to.add("user" + i + "@gmail.com");
        to.add("z@other.test");

        var first = (IntakeResult.Accepted) submit(intake, "s@x.test", to, MSG);
        var again = (IntakeResult.Accepted) submit(intake, "s@x.test", to, MSG);

        Set<String> keys = new HashSet<>();
        int total = 0;
        for (RoutedDelivery p : first.parts()) {
            keys.add(p.routingKey());
            if (p.delivery().domain().equals("gmail.com")) {
                total += p.delivery().recipients().size();
                assertThat(p.routingKey()).matches("gmail\\.com#[0-3]");
                for (String rcpt : p.delivery().recipients()) {
                    assertThat(p.routingKey()).isEqualTo("gmail.com#" + DomainShards.shardOf(rcpt, 4));
                }
            }
        }
        assertThat(total).isEqualTo(40);
        assertThat(keys).contains("gmail.com#0", "gmail.com#1", "gmail.com#2", "gmail.com#3", "other.test");
        assertThat(again.parts()).extracting(RoutedDelivery::routingKey)
                .containsExactlyElementsOf(first.parts().stream().map(RoutedDelivery::routingKey).toList());
        assertThat(first.parts()).extracting(p -> p.delivery().id()).containsOnly(first.id());
    }

    @Test
    void shardOfIsStableAcrossRunsAndIgnoresAsciiCase() {
        assertThat(DomainShards.shardOf("User7@Gmail.com", 8)).isEqualTo(DomainShards.shardOf("user7@gmail.com", 8));
        // Pinned values: a change would move recipients between shards of a running cluster.
        assertThat(DomainShards.shardOf("a@gmail.com", 8)).isEqualTo(DomainShards.shardOf("a@gmail.com", 8));
        assertThat(List.of(DomainShards.shardOf("a@gmail.com", 1000), DomainShards.shardOf("b@gmail.com", 1000)))
                .containsExactly(fnv("a@gmail.com", 1000), fnv("b@gmail.com", 1000));
    }

    @Test
    void badShardConfigFailsNamingTheKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> intake(Map.of("outbound.domain_shards", "gmail.com")))
                .isInstanceOf(dev.outflow.core.config.ConfigException.class)
                .hasMessageContaining("outbound.domain_shards");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> intake(Map.of("outbound.domain_shards", "gmail.com:0")))
                .hasMessageContaining("outbound.domain_shards");
    }

    @Test
    void queueOutboundSeesTheWholeMessageWithoutDomain() {
        AtomicReference<MessageView> seen = new AtomicReference<>();
        OutboundPlugin spy = new OutboundPlugin() {
            @Override
            public HookResult queueOutbound(MessageView m) {
                seen.set(m);
                return HookResult.cont();
            }
        };
        var r = (IntakeResult.Accepted) intake(Map.of(), spy).submit(new IntakeRequest(null, "s@x.test",
                List.of("a@one.test", "b@two.test"), MSG, Map.of("k", "v"), Origin.smtp("alice")));

        assertThat(seen.get().domain()).isNull();
        assertThat(seen.get().id()).isEqualTo(r.id());
        assertThat(seen.get().recipients()).containsExactly("a@one.test", "b@two.test");
        assertThat(seen.get().header("Message-ID")).isEqualTo("<" + r.id() + "@mx.test>");
        assertThat(seen.get().notes()).containsEntry("k", "v");
        assertThat(r.parts()).allSatisfy(p -> {
            assertThat(p.delivery().notes()).containsEntry("k", "v");
            assertThat(p.origin()).isEqualTo(Origin.smtp("alice"));
        });
    }

    @Test
    void queueOutboundAnswersMapToResults() {
        assertThat(submit(intake(Map.of(), plugin(HookResult.ok("kept"))), "", List.of("a@x.test"), MSG))
                .isInstanceOfSatisfying(IntakeResult.HandledByPlugin.class, h -> assertThat(h.message()).isEqualTo("kept"));

        var deny = (IntakeResult.Rejected) submit(intake(Map.of(), plugin(HookResult.deny("no spam"))), "", List.of("a@x.test"), MSG);
        assertThat(deny.smtpReply()).isEqualTo("550 5.7.1 no spam");
        assertThat(deny.kind()).isEqualTo(RejectKind.PERMANENT);

        var soft = (IntakeResult.Rejected) submit(intake(Map.of(), plugin(HookResult.denysoft("later"))), "", List.of("a@x.test"), MSG);
        assertThat(soft.smtpReply()).isEqualTo("451 4.7.1 later");
        assertThat(soft.isTemporary()).isTrue();

        var disc = (IntakeResult.Rejected) submit(intake(Map.of(), plugin(HookResult.denydisconnect(null))), "", List.of("a@x.test"), MSG);
        assertThat(disc.kind()).isEqualTo(RejectKind.DISCONNECT);
        assertThat(disc.code()).isEqualTo(550);

        OutboundPlugin broken = new OutboundPlugin() {
            @Override
            public HookResult queueOutbound(MessageView m) {
                throw new IllegalStateException("boom");
            }
        };
        var failed = (IntakeResult.Rejected) submit(intake(Map.of(), broken), "", List.of("a@x.test"), MSG);
        assertThat(failed.kind()).isEqualTo(RejectKind.TEMPORARY);
    }

    @Test
    void firstNonContPluginWins() {
        var r = submit(intake(Map.of(), plugin(HookResult.cont()), plugin(HookResult.deny("second")), plugin(HookResult.ok())),
                "", List.of("a@x.test"), MSG);

        assertThat(((IntakeResult.Rejected) r).message()).isEqualTo("second");
    }

    private static OutboundPlugin plugin(HookResult answer) {
        return new OutboundPlugin() {
            @Override
            public HookResult queueOutbound(MessageView m) {
                return answer;
            }
        };
    }

    private static void assertRejected(IntakeResult r, int code, String enhanced) {
        assertThat(r).isInstanceOf(IntakeResult.Rejected.class);
        var rej = (IntakeResult.Rejected) r;
        assertThat(rej.code()).as(rej.smtpReply()).isEqualTo(code);
        assertThat(rej.enhancedCode()).isEqualTo(enhanced);
    }

    private static int fnv(String s, int n) {
        int h = 0x811c9dc5;
        for (byte b : s.getBytes(UTF_8)) {
            h ^= b;
            h *= 0x01000193;
        }
        return Math.floorMod(h, n);
    }

    @Test
    void mailOfADomainWithAKeyIsSignedOnceForAllItsParts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path keys) throws Exception {
        dev.outflow.core.dkim.DkimKeyGen.generate(keys, "example.org", "s1", dev.outflow.core.dkim.DkimAlgorithm.ED25519_SHA256);
        IntakeResult r = submit(intake(Map.of("dkim.keys_dir", keys.toString())), "a@example.org", List.of("x@one.test", "y@two.test"), MSG);

        var parts = ((IntakeResult.Accepted) r).parts();
        assertThat(parts).hasSize(2);
        assertThat(new String(parts.get(0).delivery().contents(), UTF_8)).startsWith("DKIM-Signature: v=1; a=ed25519-sha256;")
                .containsOnlyOnce("DKIM-Signature:");
        assertThat(parts.get(1).delivery().contents()).isSameAs(parts.get(0).delivery().contents());
    }

    @Test
    void aMessageThatCannotBeSignedIsRefusedTemporarilyUnlessSigningIsOptional(@org.junit.jupiter.api.io.TempDir java.nio.file.Path keys)
            throws Exception {
        dev.outflow.core.dkim.DkimKeyGen.generate(keys, "example.org", "s1", dev.outflow.core.dkim.DkimAlgorithm.ED25519_SHA256);
        byte[] twoFroms = "From: a@example.org\r\nFrom: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(UTF_8);

        IntakeResult required = submit(intake(Map.of("dkim.keys_dir", keys.toString())), "a@example.org", List.of("x@one.test"), twoFroms);
        assertThat(required).isInstanceOfSatisfying(IntakeResult.Rejected.class, j -> {
            assertThat(j.kind()).isEqualTo(RejectKind.TEMPORARY);
            assertThat(j.code()).isEqualTo(451);
            assertThat(j.enhancedCode()).isEqualTo("4.7.0");
            assertThat(j.message()).isEqualTo("cannot DKIM-sign for example.org: the message has 2 From header fields"
                    + " (RFC 5322 allows one; verifiers reject such signatures) (dkim.required=true)");
        });

        IntakeResult optional = submit(intake(Map.of("dkim.keys_dir", keys.toString(), "dkim.required", "false")), "a@example.org",
                List.of("x@one.test"), twoFroms);
        assertThat(optional).isInstanceOf(IntakeResult.Accepted.class);
        assertThat(new String(((IntakeResult.Accepted) optional).parts().get(0).delivery().contents(), UTF_8)).doesNotContain("DKIM-Signature");
    }

    @Test
    void suppressedRecipientRejectsTheMessageNamingTheSuppression() {
        SuppressionCheck list = a -> a.equals("gone@x.test") ? "suppressed (manual: asked to stop)" : null;
        Intake intake = new Intake(Config.of(Map.of("me", "mx.test")), PluginChain.empty(), CLOCK, list);

        IntakeResult r = submit(intake, "", List.of("ok@x.test", "gone@x.test"), MSG);
        IntakeResult fine = submit(intake, "", List.of("ok@x.test"), MSG);

        assertThat(r).isInstanceOf(IntakeResult.Rejected.class);
        assertThat(((IntakeResult.Rejected) r).smtpReply()).isEqualTo("550 5.1.1 <gone@x.test> suppressed (manual: asked to stop)");
        assertThat(((IntakeResult.Rejected) r).isTemporary()).isFalse();
        assertThat(fine).isInstanceOf(IntakeResult.Accepted.class);
        assertThat(intake.suppressed(null, "gone@x.test")).isNotNull();
        assertThat(intake.suppressed(null, "ok@x.test")).isNull();
    }

    @Test
    void suppressionDisabledQueuesSuppressedRecipients() {
        SuppressionCheck list = a -> "suppressed (manual)";
        Intake intake = new Intake(Config.of(Map.of("me", "mx.test", "suppression.enabled", "false")), PluginChain.empty(), CLOCK, list);

        assertThat(submit(intake, "", List.of("gone@x.test"), MSG)).isInstanceOf(IntakeResult.Accepted.class);
        assertThat(intake.suppressed(null, "gone@x.test")).isNull();
    }
}

package dev.outflow.testkit.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The knotd fixture: serves the test zone plus runtime records and zones, owns its port, cleans up. */
class KnotDnsTest {

    @Test
    void servesTestZoneExtraRecordsAndZonesOverUdpAndTcp() throws Exception {
        try (KnotDns knot = KnotDns.builder().freePort()
                .records("runtime A 127.0.0.20")
                .zone("example.org", "@ MX 0 .")
                .start()) {
            SimpleResolver udp = resolver(knot);
            assertThat(answer(udp, "two.test.", Type.MX)).hasSize(2);
            assertThat(answer(udp, "runtime.test.", Type.A)).singleElement().extracting(Record::rdataToString).isEqualTo("127.0.0.20");
            assertThat(answer(udp, "example.org.", Type.MX)).singleElement().extracting(Record::rdataToString).isEqualTo("0 .");
            assertThat(udp.send(query("missing.test.", Type.A)).getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(udp.send(query("elsewhere.example.net.", Type.A)).getRcode()).as("root zone answers").isEqualTo(Rcode.NXDOMAIN);

            SimpleResolver tcp = resolver(knot);
            tcp.setTCP(true);
            assertThat(answer(tcp, "mx20.test.", Type.A)).singleElement().extracting(Record::rdataToString).isEqualTo("127.0.0.20");
        }
    }

    @Test
    void refusesATakenPortAndFreesItOnClose() {
        int port;
        try (KnotDns knot = KnotDns.builder().freePort().start()) {
            port = knot.port();
            assertThatThrownBy(() -> KnotDns.builder().port(knot.port()).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use");
        }
        try (KnotDns again = KnotDns.builder().port(port).start()) {
            assertThat(again.log()).contains("test.");
        }
    }

    private static SimpleResolver resolver(KnotDns knot) {
        SimpleResolver r = new SimpleResolver(knot.address());
        r.setTimeout(Duration.ofSeconds(2));
        return r;
    }

    private static java.util.List<Record> answer(SimpleResolver r, String name, int type) throws Exception {
        Message m = r.send(query(name, type));
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        return m.getSection(Section.ANSWER);
    }

    private static Message query(String name, int type) {
        return Message.newQuery(Record.newRecord(Name.fromConstantString(name), type, DClass.IN));
    }
}

package dev.outflow.testkit.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class ZoneResolverTest {
    private final ZoneResolver dns = ZoneResolver.testZone();

    @Test
    void answersRecordsWithTheQueryId() throws Exception {
        Message q = query("normal.test.", Type.MX);
        Message r = dns.send(q);
        assertThat(r.getHeader().getID()).isEqualTo(q.getHeader().getID());
        assertThat(r.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(r.getSection(Section.ANSWER)).singleElement().extracting(Record::rdataToString).isEqualTo("10 mx1.normal.test.");
    }

    @Test
    void nxdomainAndNodataCarryTheSoa() throws Exception {
        Message nx = dns.send(query("missing.test.", Type.MX));
        assertThat(nx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(nx.getSection(Section.AUTHORITY)).singleElement().extracting(Record::getType).isEqualTo(Type.SOA);
        Message nodata = dns.send(query("implicit.test.", Type.MX));
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
        assertThat(nodata.getSection(Section.AUTHORITY)).hasSize(1);
        // "normal.test" has names below it only through mx1.normal.test: "normal" itself has records; an
        // empty non-terminal ("x.deep.test" exists, "deep.test" has nothing) is NODATA, not NXDOMAIN.
        dns.add("x.deep.test. 60 IN A 127.0.0.2");
        assertThat(dns.send(query("deep.test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(dns.send(query("example.com.", Type.A)).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void followsCnameChains() throws Exception {
        Message r = dns.send(query("alias.test.", Type.MX));
        assertThat(r.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME, Type.MX);
    }

    @Test
    void faultsByNameAndType() throws Exception {
        dns.servfail("normal.test").timeout("two.test", Type.MX);
        assertThat(dns.send(query("normal.test.", Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(dns.send(query("two.test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThatThrownBy(() -> dns.sendAsync(query("two.test.", Type.MX)).toCompletableFuture().get())
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SocketTimeoutException.class);
        dns.heal("normal.test").heal("two.test");
        assertThat(dns.send(query("normal.test.", Type.MX)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(dns.send(query("two.test.", Type.MX)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(dns.queries("two.test", Type.MX)).isEqualTo(2);
    }

    @Test
    void zonesFromTextGetSoaAndNs() throws Exception {
        dns.addZone(ZoneResolver.zone("example.", "@ MX 10 mx", "mx A 127.0.0.13"));
        assertThat(dns.send(query("mx.example.", Type.A)).getSection(Section.ANSWER))
                .singleElement().extracting(Record::rdataToString).isEqualTo("127.0.0.13");
        assertThatThrownBy(() -> dns.add("outside.org. 60 IN A 127.0.0.1")).hasMessageContaining("no zone");
    }

    @Test
    void heldAnswersWaitForRelease() {
        dns.holdAnswers();
        var pending = dns.sendAsync(query("normal.test.", Type.MX)).toCompletableFuture();
        assertThat(pending).isNotDone();
        assertThat(dns.heldAnswers()).isEqualTo(1);
        dns.releaseAnswers();
        assertThat(pending).isCompleted();
    }

    private static Message query(String name, int type) {
        return Message.newQuery(Record.newRecord(Name.fromConstantString(name), type, DClass.IN));
    }
}

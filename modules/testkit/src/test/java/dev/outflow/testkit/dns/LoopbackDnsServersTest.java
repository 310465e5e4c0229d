package dev.outflow.testkit.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

class LoopbackDnsServersTest {

    @Test
    void silentServerNeverAnswersUdpAndHoldsTcp() throws Exception {
        try (SilentDnsServer silent = SilentDnsServer.start()) {
            SimpleResolver r = new SimpleResolver(silent.address());
            r.setTimeout(Duration.ofMillis(200));
            assertThatThrownBy(() -> r.send(query())).isInstanceOf(IOException.class);
            try (Socket s = new Socket(silent.address().getAddress(), silent.port())) {
                s.setSoTimeout(300);
                s.getOutputStream().write(new byte[] {0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
                assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            }
            assertThat(silent.queriesReceived()).isGreaterThanOrEqualTo(2);
            assertThat(silent.server()).isEqualTo("127.0.0.1:" + silent.port());
        }
    }

    @Test
    void servfailServerAnswersOverUdpAndTcp() throws Exception {
        try (ServfailDnsServer servfail = ServfailDnsServer.start()) {
            SimpleResolver r = new SimpleResolver(servfail.address());
            r.setTimeout(Duration.ofSeconds(2));
            Message q = query();
            Message reply = r.send(q);
            assertThat(reply.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(reply.getHeader().getID()).isEqualTo(q.getHeader().getID());
            r.setTCP(true);
            assertThat(r.send(query()).getRcode()).isEqualTo(Rcode.SERVFAIL);
        }
    }

    private static Message query() {
        return Message.newQuery(Record.newRecord(Name.fromConstantString("normal.test."), Type.MX, DClass.IN));
    }
}

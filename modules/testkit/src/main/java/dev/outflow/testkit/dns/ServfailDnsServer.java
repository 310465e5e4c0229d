package dev.outflow.testkit.dns;

import java.io.IOException;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/**
 * A DNS server answering every query (UDP and TCP) with one error code, SERVFAIL by default: a
 * real wire answer for "the name servers of that domain are broken". Binds 127.0.0.1 on an
 * ephemeral port. Thread-safe; {@link #close()} releases the port.
 */
public final class ServfailDnsServer extends LoopbackDnsServer {
    private final int rcode;

    private ServfailDnsServer(int rcode) {
        super(0);
        this.rcode = rcode;
    }

    /** Answers SERVFAIL. */
    public static ServfailDnsServer start() {
        return new ServfailDnsServer(Rcode.SERVFAIL).begin();
    }

    /** Answers the given {@link Rcode}, e.g. {@code Rcode.REFUSED}. */
    public static ServfailDnsServer start(int rcode) {
        return new ServfailDnsServer(rcode).begin();
    }

    @Override
    byte[] reply(byte[] bytes) {
        try {
            Message query = new Message(bytes);
            Message reply = new Message(query.getHeader().getID());
            reply.getHeader().setFlag(Flags.QR);
            reply.getHeader().setFlag(Flags.RA);
            reply.getHeader().setRcode(rcode);
            if (query.getQuestion() != null) reply.addRecord(query.getQuestion(), Section.QUESTION);
            return reply.toWire();
        } catch (IOException e) {
            return null; // not DNS: stay silent
        }
    }
}

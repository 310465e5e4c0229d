package dev.outflow.submission.smtpd.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The SASL exchanges of AUTH PLAIN (RFC 4616) and AUTH LOGIN, with or without an initial response.
 * Answers the credentials or a reply to send instead. Proxy authorisation (an authzid that differs
 * from the authcid) is refused. Stateless.
 */
final class SmtpAuth {
    private static final int MAX_LINE = 12 << 10;

    /** Either credentials, or the reply that ends the exchange without them. */
    record Outcome(String user, String password, String reply) {
        static Outcome fail(String reply) {
            return new Outcome(null, null, reply);
        }
    }

    private SmtpAuth() {}

    /** {@code args} is what follows {@code AUTH }: mechanism and optional initial response. */
    static Outcome exchange(SmtpConnection conn, String args) throws IOException {
        int sp = args.indexOf(' ');
        String mech = sp < 0 ? args : args.substring(0, sp);
        String initial = sp < 0 ? null : args.substring(sp + 1).strip();
        if (mech.equalsIgnoreCase("PLAIN")) return plain(conn, initial);
        if (mech.equalsIgnoreCase("LOGIN")) return login(conn, initial);
        return Outcome.fail("504 5.5.4 Unrecognized authentication type");
    }

    private static Outcome plain(SmtpConnection conn, String initial) throws IOException {
        String response = initial;
        if (response == null) {
            conn.reply("334 ");
            response = conn.readLine(MAX_LINE);
            if (response == null) return null;
        }
        if (response.equals("*")) return Outcome.fail("501 5.0.0 Authentication cancelled");
        byte[] decoded = decode(response);
        if (decoded == null) return Outcome.fail("501 5.5.2 Cannot decode response");
        String text = new String(decoded, StandardCharsets.UTF_8);
        int a = text.indexOf('\0');
        int b = a < 0 ? -1 : text.indexOf('\0', a + 1);
        if (b < 0) return Outcome.fail("501 5.5.2 Malformed PLAIN response");
        String authzid = text.substring(0, a);
        String authcid = text.substring(a + 1, b);
        if (!authzid.isEmpty() && !authzid.equals(authcid)) return Outcome.fail("535 5.7.8 Authentication credentials invalid");
        return new Outcome(authcid, text.substring(b + 1), null);
    }

    private static Outcome login(SmtpConnection conn, String initial) throws IOException {
        String userB64 = initial;
        if (userB64 == null) {
            conn.reply("334 VXNlcm5hbWU6");
            userB64 = conn.readLine(MAX_LINE);
            if (userB64 == null) return null;
        }
        if (userB64.equals("*")) return Outcome.fail("501 5.0.0 Authentication cancelled");
        byte[] user = decode(userB64);
        if (user == null) return Outcome.fail("501 5.5.2 Cannot decode response");
        conn.reply("334 UGFzc3dvcmQ6");
        String passB64 = conn.readLine(MAX_LINE);
        if (passB64 == null) return null;
        if (passB64.equals("*")) return Outcome.fail("501 5.0.0 Authentication cancelled");
        byte[] pass = decode(passB64);
        if (pass == null) return Outcome.fail("501 5.5.2 Cannot decode response");
        return new Outcome(new String(user, StandardCharsets.UTF_8), new String(pass, StandardCharsets.UTF_8), null);
    }

    private static byte[] decode(String b64) {
        if (b64.equals("=")) return new byte[0];
        try {
            return Base64.getDecoder().decode(b64.strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

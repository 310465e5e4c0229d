package dev.outflow.submission.smtpd;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A hand-driven SMTP client over a raw socket, for protocol abuse tests. Replies are read with a 10 s timeout. */
final class RawSmtp implements AutoCloseable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RawSmtp(int port) throws IOException {
        this(null, port);
    }

    /** A client whose socket is bound to {@code from} (e.g. 127.0.0.10: every 127/8 address is local), or any address when null. */
    RawSmtp(String from, int port) throws IOException {
        socket = new Socket();
        if (from != null) socket.bind(new java.net.InetSocketAddress(from, 0));
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Reads one (possibly multi-line) reply; returns its lines, or an empty list at end of stream. */
    List<String> reply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = line();
            if (l == null) return lines;
            lines.add(l);
            if (l.length() < 4 || l.charAt(3) != '-') return lines;
        }
    }

    /** The last line of the next reply, or null at end of stream. */
    String last() throws IOException {
        List<String> r = reply();
        return r.isEmpty() ? null : r.get(r.size() - 1);
    }

    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (c != '\r') b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Sends a command line (CRLF added) and returns the last line of its reply. */
    String cmd(String line) throws IOException {
        send(line + "\r\n");
        return last();
    }

    void send(String raw) throws IOException {
        sendBytes(raw.getBytes(StandardCharsets.UTF_8));
    }

    void sendBytes(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    String ehlo() throws IOException {
        return cmd("EHLO client.test");
    }

    List<String> ehloLines() throws IOException {
        send("EHLO client.test\r\n");
        return reply();
    }

    /** STARTTLS and the handshake, trusting any certificate. */
    void startTls() throws Exception {
        String r = cmd("STARTTLS");
        if (!r.startsWith("220")) throw new IOException("STARTTLS refused: " + r);
        handshake();
    }

    /** The client side of the TLS handshake (after a 220 to STARTTLS). */
    void handshake() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {trustAll()}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        socket = s;
        in = new BufferedInputStream(s.getInputStream());
        out = s.getOutputStream();
    }

    String authPlain(String user, String password) throws IOException {
        String b64 = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        return cmd("AUTH PLAIN " + b64);
    }

    /** Greeting, EHLO, STARTTLS, EHLO, AUTH PLAIN as alice. */
    static RawSmtp authenticated(int port) throws Exception {
        return authenticated(null, port);
    }

    /** As {@link #authenticated(int)}, from a given local address. */
    static RawSmtp authenticated(String from, int port) throws Exception {
        RawSmtp c = new RawSmtp(from, port);
        c.last();
        c.ehlo();
        c.startTls();
        c.ehlo();
        String r = c.authPlain(SmtpFixture.USER, SmtpFixture.PASSWORD);
        if (!r.startsWith("235")) throw new IOException("AUTH failed: " + r);
        return c;
    }

    Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static X509TrustManager trustAll() {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }
}

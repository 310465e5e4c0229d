package dev.outflow.acceptance.faults;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A load generator that knows the fate of every message it submits: SMTP sessions (each on a
 * virtual thread, one connection reused for many messages, lock-step commands) push a list of
 * mails into Outflow's submission listener and record for each one whether the server accepted it
 * ({@code 250 ... queued as ID}: the id is kept), refused it (a 4xx/5xx reply; 4xx is retried a few
 * times, as a real client would), or left it unknown (the connection broke after the final dot and
 * before the reply: it may or may not be queued). The fault suites need exactly this: which
 * (message, recipient) pairs Outflow owes an outcome for.
 *
 * <p>Thread-safe; {@link #run} blocks until every mail has a fate.
 */
public final class SmtpInjector {
    private static final Pattern QUEUED_AS = Pattern.compile("queued as (\\S+)");

    /** One message to submit. {@code key} identifies it in the results. */
    public record Mail(String key, String from, List<String> recipients, byte[] content) {}

    public enum Fate { ACCEPTED, REFUSED, UNKNOWN }

    /** What happened to one mail: its fate, the queue id from the 250 reply, the last reply seen. */
    public record Receipt(Mail mail, Fate fate, String messageId, String reply) {}

    private final String host;
    private final int port;
    private final int sessions;
    private final int softRetries;
    private final Duration retryPause;
    private final Duration timeout;

    /**
     * @param sessions    parallel SMTP sessions
     * @param softRetries how often a mail refused with 4xx (or a broken connection before the dot) is tried again
     * @param retryPause  pause before such a retry
     */
    public SmtpInjector(String host, int port, int sessions, int softRetries, Duration retryPause) {
        this.host = host;
        this.port = port;
        this.sessions = sessions;
        this.softRetries = softRetries;
        this.retryPause = retryPause;
        this.timeout = Duration.ofSeconds(90);
    }

    /** Submits every mail; returns one receipt per mail, in no particular order. */
    public List<Receipt> run(List<Mail> mails) throws InterruptedException {
        ConcurrentLinkedQueue<Mail> todo = new ConcurrentLinkedQueue<>(mails);
        List<Receipt> receipts = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(sessions);
        for (int i = 0; i < sessions; i++) {
            Thread.ofVirtual().name("injector-" + i).start(() -> {
                try {
                    session(todo, receipts);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        return List.copyOf(receipts);
    }

    /** Convenience: a ~{@code size}-byte message with a unique Message-ID and the key in a header. */
    public static byte[] message(String key, String from, List<String> to, int size) {
        StringBuilder sb = new StringBuilder(size + 400)
                .append("From: <").append(from).append(">\r\n")
                .append("To: ").append(String.join(", ", to.stream().map(a -> "<" + a + ">").toList())).append("\r\n")
                .append("Subject: fault suite ").append(key).append("\r\n")
                .append("Message-ID: <").append(key).append("@injector.test>\r\n")
                .append("X-Fault-Key: ").append(key).append("\r\n\r\n");
        String line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
        while (sb.length() < size) sb.append(line);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private void session(ConcurrentLinkedQueue<Mail> todo, List<Receipt> receipts) {
        Connection c = null;
        Mail m;
        while ((m = todo.poll()) != null) {
            int tries = 0;
            while (true) {
                Attempt a;
                try {
                    if (c == null) c = connect();
                    a = c.send(m);
                } catch (IOException e) {
                    a = new Attempt(c != null && c.afterDot ? Fate.UNKNOWN : null, null, e.toString());
                    if (c != null) c.close();
                    c = null;
                }
                if (a.fate == Fate.ACCEPTED || a.fate == Fate.UNKNOWN || (a.fate == Fate.REFUSED && !a.soft) || tries >= softRetries) {
                    Fate f = a.fate == null ? Fate.REFUSED : a.fate;
                    receipts.add(new Receipt(m, f, a.messageId, a.reply));
                    break;
                }
                tries++;
                pause(retryPause);
            }
        }
        if (c != null) c.quit();
    }

    private Connection connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
        s.setSoTimeout((int) timeout.toMillis());
        s.setTcpNoDelay(true);
        Connection c = new Connection(s);
        try {
            c.expect(c.reply(), 220);
            c.command("EHLO injector.test");
            c.expect(c.reply(), 250);
        } catch (IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static void pause(Duration d) {
        try {
            TimeUnit.MILLISECONDS.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** fate null: not sent, try again. */
    private record Attempt(Fate fate, String messageId, String reply, boolean soft) {
        Attempt(Fate fate, String messageId, String reply) {
            this(fate, messageId, reply, true);
        }
    }

    private static final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        boolean afterDot;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 8192);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 16384);
        }

        Attempt send(Mail m) throws IOException {
            afterDot = false;
            command("MAIL FROM:<" + m.from() + ">");
            String r = reply();
            if (!r.startsWith("2")) return refused(r);
            int ok = 0;
            String last = r;
            for (String rcpt : m.recipients()) {
                command("RCPT TO:<" + rcpt + ">");
                last = reply();
                if (last.startsWith("2")) ok++;
            }
            if (ok != m.recipients().size()) {
                // All or nothing, so that the expected outcomes stay simple.
                command("RSET");
                reply();
                return refused(last);
            }
            command("DATA");
            r = reply();
            if (!r.startsWith("3")) return refused(r);
            writeData(m.content());
            afterDot = true;
            r = reply();
            afterDot = false;
            if (r.startsWith("2")) {
                Matcher q = QUEUED_AS.matcher(r);
                return new Attempt(Fate.ACCEPTED, q.find() ? q.group(1) : null, r);
            }
            return refused(r);
        }

        private Attempt refused(String reply) {
            boolean soft = reply.startsWith("4");
            return new Attempt(Fate.REFUSED, null, reply, soft);
        }

        void command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private void writeData(byte[] content) throws IOException {
            boolean lineStart = true;
            for (byte b : content) {
                if (lineStart && b == '.') out.write('.');
                out.write(b);
                lineStart = b == '\n';
            }
            if (!lineStart) out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** One (possibly multi-line) reply; its last line. */
        String reply() throws IOException {
            while (true) {
                String line = readLine();
                if (line.length() < 4 || line.charAt(3) != '-') return line;
            }
        }

        void expect(String reply, int code) throws IOException {
            if (!reply.startsWith(String.valueOf(code))) throw new IOException("expected " + code + ", got " + reply);
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    int n = sb.length();
                    if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                    return sb.toString();
                }
                sb.append((char) b);
            }
            throw new IOException("connection closed by the server");
        }

        void quit() {
            try {
                command("QUIT");
                reply();
            } catch (IOException ignored) {
                // closing anyway
            }
            close();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}

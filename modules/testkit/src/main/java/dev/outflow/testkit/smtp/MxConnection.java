package dev.outflow.testkit.smtp;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLSocket;

/**
 * One connection of the fake server: reads commands as they come, answers them in order, and
 * sends queued replies only when it is about to wait for input (so pipelined commands are answered
 * in one write, as a real server does). Runs on its own virtual thread.
 */
final class MxConnection implements Runnable {
    private static final int MAX_RECORDED_DATA_LINE = 1000;

    private final FakeMx server;
    private final Script script;
    private final int id;
    private final Socket raw;
    private final Transcript transcript;
    private final List<String> pendingOut = new ArrayList<>();
    private Socket socket;
    private OutputStream out;
    private LineReader reader;
    private boolean tls;
    private volatile boolean closed;

    private String helo;
    private boolean inTransaction;
    private String mailFrom;
    private List<String> mailParams = List.of();
    private final List<String> rcpts = new ArrayList<>();
    private byte[] data = new byte[16 * 1024];
    private int dataLen;

    MxConnection(FakeMx server, Script script, int id, Socket raw) {
        this.server = server;
        this.script = script;
        this.id = id;
        this.raw = raw;
        this.socket = raw;
        this.transcript = script.record ? new Transcript(id, (InetSocketAddress) raw.getRemoteSocketAddress()) : null;
    }

    Transcript transcript() {
        return transcript;
    }

    @Override
    public void run() {
        try {
            out = new BufferedOutputStream(raw.getOutputStream(), 16 * 1024);
            reader = new LineReader(raw.getInputStream(), this::flushUnchecked);
            if (perform(script.next(Command.GREETING), Reply.of(220, script.hostname + " ESMTP FakeMx")) == null) return;
            while (reader.next()) {
                if (!handle()) break;
            }
            flush();
        } catch (IOException | UncheckedIOException e) {
            // the client went away or the server stopped: nothing to report
        } finally {
            close();
            server.ended(this);
        }
    }

    private boolean handle() throws IOException {
        String line = reader.text();
        if (transcript != null) transcript.add(new Transcript.Line(Transcript.Direction.IN, line, false, tls));
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1).trim();
        Command c = Command.ofVerb(verb);
        if (c == null) {
            send(script.reply(502, "5.5.2", "Error: command not recognized"));
            return true;
        }
        return switch (c) {
            case EHLO, HELO, LHLO -> hello(c, arg);
            case STARTTLS -> startTls();
            case MAIL -> mail(arg);
            case RCPT -> rcpt(arg);
            case DATA -> data();
            case RSET -> {
                resetTransaction();
                yield perform(script.next(c), script.ok) != null;
            }
            case NOOP -> perform(script.next(c), script.ok) != null;
            case QUIT -> {
                perform(script.next(c), script.reply(221, "2.0.0", "Bye"));
                yield false;
            }
            default -> throw new IllegalStateException(c.name());
        };
    }

    private boolean hello(Command c, String arg) throws IOException {
        boolean wrongProtocol = script.lmtp != (c == Command.LHLO);
        Reply def;
        if (wrongProtocol) def = script.reply(500, "5.5.1", script.lmtp ? "Error: this is LMTP, use LHLO" : "Error: command not recognized");
        else if (c == Command.HELO) def = Reply.of(250, script.hostname);
        else def = Reply.of(250, extensions());
        Reply r = perform(script.next(c), def);
        if (r == null) return false;
        if (r.isPositive()) {
            helo = arg;
            resetTransaction();
        }
        return true;
    }

    private String extensions() {
        StringBuilder sb = new StringBuilder(script.hostname);
        if (script.pipelining) sb.append("\nPIPELINING");
        if (script.size >= 0) sb.append("\nSIZE").append(script.size > 0 ? " " + script.size : "");
        if (script.eightBitMime) sb.append("\n8BITMIME");
        if (script.smtputf8) sb.append("\nSMTPUTF8");
        if (script.enhancedStatusCodes) sb.append("\nENHANCEDSTATUSCODES");
        if (script.starttls && !tls) sb.append("\nSTARTTLS");
        for (String e : script.extraExtensions) sb.append('\n').append(e);
        return sb.toString();
    }

    private boolean startTls() throws IOException {
        Reply def;
        if (tls) def = script.reply(503, "5.5.1", "Error: TLS already active");
        else if (!script.starttls) def = script.reply(502, "5.5.1", "Error: command not implemented");
        else def = Reply.of(220, script.enhancedStatusCodes ? "2.0.0 Ready to start TLS" : "Ready to start TLS");
        Reply r = perform(script.next(Command.STARTTLS), def);
        if (r == null) return false;
        if (r.code() != 220 || tls || !script.starttls) return true;
        flush();
        if (script.brokenTls) {
            out.write("this is not a TLS handshake\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return false;
        }
        SSLSocket ssl = (SSLSocket) (script.tlsContext != null ? script.tlsContext : SelfSignedCertificate.serverContext()).getSocketFactory()
                .createSocket(raw, raw.getInetAddress().getHostAddress(), raw.getPort(), true);
        ssl.setUseClientMode(false);
        ssl.startHandshake();
        socket = ssl;
        out = new BufferedOutputStream(ssl.getOutputStream(), 16 * 1024);
        reader.switchTo(ssl.getInputStream());
        tls = true;
        helo = null;
        resetTransaction();
        return true;
    }

    private boolean mail(String arg) throws IOException {
        Reply def;
        List<String> params = List.of();
        String from = null;
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) {
            def = script.reply(501, "5.5.4", "Syntax: MAIL FROM:<address>");
        } else {
            String rest = arg.substring(5).trim();
            int close = rest.indexOf('>');
            if (!rest.startsWith("<") || close < 0) {
                def = script.reply(501, "5.1.7", "Bad sender address syntax");
            } else {
                from = rest.substring(1, close);
                String p = rest.substring(close + 1).trim();
                params = p.isEmpty() ? List.of() : words(p);
                def = mailDefault(params);
            }
        }
        // scripts apply to commands in sequence; protocol errors keep their default reply
        boolean inSequence = from != null && helo != null && !inTransaction;
        Reply r = perform(inSequence ? script.next(Command.MAIL) : Action.proceed(), def);
        if (r == null) return false;
        if (r.isPositive() && from != null) {
            inTransaction = true;
            mailFrom = from;
            mailParams = params;
            rcpts.clear();
        }
        return true;
    }

    private static List<String> words(String s) {
        List<String> out = new ArrayList<>(4);
        int i = 0;
        while (i < s.length()) {
            int sp = s.indexOf(' ', i);
            if (sp < 0) sp = s.length();
            if (sp > i) out.add(s.substring(i, sp));
            i = sp + 1;
        }
        return out;
    }

    private Reply mailDefault(List<String> params) {
        if (helo == null) return script.reply(503, "5.5.1", "Error: send HELO/EHLO first");
        if (inTransaction) return script.reply(503, "5.5.1", "Error: nested MAIL command");
        for (String p : params) {
            String u = p.toUpperCase(Locale.ROOT);
            if (u.startsWith("SIZE=") && script.size > 0) {
                try {
                    if (Long.parseLong(u.substring(5)) > script.size) {
                        return script.reply(552, "5.3.4", "Message size exceeds fixed limit");
                    }
                } catch (NumberFormatException e) {
                    return script.reply(501, "5.5.4", "Bad SIZE parameter");
                }
            } else if (u.equals("SMTPUTF8") && !script.smtputf8 || u.startsWith("BODY=8BITMIME") && !script.eightBitMime) {
                return script.reply(555, "5.5.4", "Unsupported option: " + p);
            }
        }
        return script.mailOk;
    }

    private boolean rcpt(String arg) throws IOException {
        String to = null;
        Reply def;
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) {
            def = script.reply(501, "5.5.4", "Syntax: RCPT TO:<address>");
        } else {
            String rest = arg.substring(3).trim();
            int close = rest.indexOf('>');
            to = rest.startsWith("<") && close > 0 ? rest.substring(1, close) : null;
            if (to == null) def = script.reply(501, "5.1.3", "Bad recipient address syntax");
            else if (!inTransaction) def = script.reply(503, "5.5.1", "Error: need MAIL command");
            else def = script.rcptOk;
        }
        Reply r = perform(to != null && inTransaction ? script.rcpt(to) : Action.proceed(), def);
        if (r == null) return false;
        if (r.isPositive() && to != null && inTransaction) rcpts.add(to);
        return true;
    }

    private boolean data() throws IOException {
        Reply def;
        if (!inTransaction) def = script.reply(503, "5.5.1", "Error: need MAIL command");
        else if (rcpts.isEmpty()) def = script.reply(554, "5.5.1", "Error: no valid recipients");
        else def = script.dataGo;
        Reply r = perform(inTransaction && !rcpts.isEmpty() ? script.next(Command.DATA) : Action.proceed(), def);
        if (r == null) return false;
        if (r.code() != 354) return true;
        if (!readData()) return false;
        return script.lmtp ? endOfLmtpData() : endOfSmtpData();
    }

    /** Reads the content up to the final dot, removing dot stuffing; false on end of stream. */
    private boolean readData() throws IOException {
        dataLen = 0;
        while (reader.next()) {
            if (reader.isDot()) return true;
            byte[] b = reader.buffer();
            int from = reader.start();
            int len = reader.length();
            if (len > 0 && b[from] == '.') {
                from++;
                len--;
            }
            if (transcript != null) {
                String text = new String(b, from, Math.min(len, MAX_RECORDED_DATA_LINE), StandardCharsets.UTF_8);
                transcript.add(new Transcript.Line(Transcript.Direction.IN, text, true, tls));
            }
            if (script.record || script.size > 0) {
                ensure(len + 2);
                System.arraycopy(b, from, data, dataLen, len);
                dataLen += len;
                if (reader.crlf()) data[dataLen++] = '\r';
                data[dataLen++] = '\n';
            } else {
                dataLen += len + (reader.crlf() ? 2 : 1);
            }
        }
        return false;
    }

    private void ensure(int more) {
        if (dataLen + more > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, dataLen + more));
    }

    private Reply eodDefault() {
        if (script.size > 0 && dataLen > script.size) return script.reply(552, "5.3.4", "Message size exceeds fixed limit");
        return script.freshReply(250, "2.0.0", "Ok: queued as FAKE" + id + "X" + server.messageCount());
    }

    private boolean endOfSmtpData() throws IOException {
        Reply r = perform(script.next(Command.END_OF_DATA), eodDefault());
        if (r == null) return false;
        if (r.isPositive()) accepted(List.copyOf(rcpts));
        resetTransaction();
        return true;
    }

    private boolean endOfLmtpData() throws IOException {
        Action eod = script.next(Command.END_OF_DATA);
        if (!prelude(eod)) return false;
        List<String> delivered = new ArrayList<>();
        for (String rcpt : rcpts) {
            Action a = script.lmtpReply(rcpt);
            Reply r = perform(a != null ? a : new Action(eod.reply(), null, false, false), eodDefault());
            if (r == null) return false;
            if (r.isPositive()) delivered.add(rcpt);
        }
        if (!delivered.isEmpty()) accepted(delivered);
        resetTransaction();
        return true;
    }

    private void accepted(List<String> recipients) {
        byte[] content = script.record ? Arrays.copyOf(data, dataLen) : null;
        server.accepted(script.record ? new ReceivedMessage(id, helo, mailFrom, mailParams, recipients, content, tls) : null);
    }

    private void resetTransaction() {
        inTransaction = false;
        mailFrom = null;
        mailParams = List.of();
        rcpts.clear();
    }

    /** Delay, stall or disconnect as the action says; false when the connection is over. */
    private boolean prelude(Action a) throws IOException {
        if (!a.delay().isZero()) {
            flush();
            try {
                Thread.sleep(a.delay());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        if (a.stalls()) {
            flush();
            while (socket.getInputStream().read(new byte[4096]) >= 0) {
                // swallow input until the client gives up or the server stops
            }
            return false;
        }
        if (a.disconnects()) {
            flush();
            close();
            return false;
        }
        if (a.floods()) {
            flush();
            flood(a.floodCode());
            return false;
        }
        return true;
    }

    /** Continuation lines, never a last line, until writing fails; counted in {@link FakeMx#floodedBytes()}. */
    private void flood(int code) throws IOException {
        byte[] line = (code + "-" + "x".repeat(70) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[line.length * 64];
        for (int i = 0; i < 64; i++) System.arraycopy(line, 0, chunk, i * line.length, line.length);
        if (transcript != null) transcript.add(new Transcript.Line(Transcript.Direction.OUT, code + "-x... (flood)", false, tls));
        OutputStream o = socket.getOutputStream();
        while (!closed) {
            o.write(chunk);
            server.flooded(chunk.length);
        }
    }

    /** Runs an action; returns the reply sent, or null when the connection is over. */
    private Reply perform(Action a, Reply def) throws IOException {
        if (!prelude(a)) return null;
        Reply r = a.reply() != null ? a.reply() : def;
        send(r);
        if (r.code() == 421) {
            flush();
            close();
            return null;
        }
        return r;
    }

    private void send(Reply r) throws IOException {
        out.write(r.wire());
        if (transcript != null) pendingOut.addAll(r.lines());
    }

    private void flush() throws IOException {
        if (transcript != null && !pendingOut.isEmpty()) {
            for (String l : pendingOut) transcript.add(new Transcript.Line(Transcript.Direction.OUT, l, false, tls));
            pendingOut.clear();
        }
        out.flush();
    }

    private void flushUnchecked() {
        try {
            flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the connection at once (server stop, scripted disconnect). */
    void close() {
        if (closed) return;
        closed = true;
        try {
            raw.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}

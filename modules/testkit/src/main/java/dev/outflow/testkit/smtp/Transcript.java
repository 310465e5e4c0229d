package dev.outflow.testkit.smtp;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Every line of one connection in the order the server saw it: lines in when it read them, reply
 * lines out when it actually sent them (the server sends its queued replies only when it has no
 * more input to read, like a real pipelining server, so a client that pipelines shows several IN
 * lines before their OUT lines). Thread-safe.
 */
public final class Transcript {
    public enum Direction { IN, OUT }

    /**
     * One line without CRLF.
     *
     * @param data the line is message content (between DATA's 354 and the final dot)
     * @param tls  the line travelled inside TLS
     */
    public record Line(Direction direction, String text, boolean data, boolean tls) {
        @Override
        public String toString() {
            return (direction == Direction.IN ? (data ? "D: " : "C: ") : "S: ") + text + (tls ? "  [tls]" : "");
        }
    }

    private final int connection;
    private final InetSocketAddress client;
    private final List<Line> lines = new ArrayList<>();

    Transcript(int connection, InetSocketAddress client) {
        this.connection = connection;
        this.client = client;
    }

    /** The client's address and port (shows the local address a client bound to). */
    public InetSocketAddress client() {
        return client;
    }

    /** Connection number, from 1 in accept order. */
    public int connection() {
        return connection;
    }

    synchronized void add(Line line) {
        lines.add(line);
    }

    /** A snapshot of the lines so far. */
    public synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    /** Commands received (IN lines that are not message content), in order. */
    public synchronized List<String> commands() {
        return lines.stream().filter(l -> l.direction() == Direction.IN && !l.data()).map(Line::text).toList();
    }

    /** Reply lines sent, in order. */
    public synchronized List<String> replies() {
        return lines.stream().filter(l -> l.direction() == Direction.OUT).map(Line::text).toList();
    }

    /** Index in {@link #lines()} of the first line whose text starts with the prefix (case-insensitive), or -1. */
    public synchronized int indexOf(Direction direction, String prefix) {
        return indexOf(direction, prefix, 0);
    }

    /** Like {@link #indexOf(Direction, String)}, searching from index {@code from}. */
    public synchronized int indexOf(Direction direction, String prefix, int from) {
        for (int i = Math.max(0, from); i < lines.size(); i++) {
            Line l = lines.get(i);
            if (l.direction() == direction && !l.data() && l.text().regionMatches(true, 0, prefix, 0, prefix.length())) return i;
        }
        return -1;
    }

    @Override
    public synchronized String toString() {
        StringBuilder sb = new StringBuilder("connection ").append(connection).append('\n');
        for (Line l : new ArrayList<>(lines)) sb.append(l).append('\n');
        return sb.toString();
    }
}

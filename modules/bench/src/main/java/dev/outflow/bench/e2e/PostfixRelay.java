package dev.outflow.bench.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Postfix (Debian package) as the relay: a private instance with its own {@code config_directory},
 * queue and data directory under {@code /var/tmp} (Postfix's own user must traverse the parents),
 * the system instance untouched. {@code main.cf}: {@code relayhost} = the sink,
 * {@code mynetworks=127.0.0.0/8}, no local delivery, no DNS ({@code smtp_dns_support_level =
 * disabled}, {@code smtpd_peername_lookup = no}), logging to a file; concurrency and connection
 * caching at their defaults. {@code master.cf} is Debian's with chroot off and smtpd on the
 * benchmark's port. CPU and memory are summed over the master's tree (children that exit during
 * the run land in the master's cutime/cstime).
 */
final class PostfixRelay implements Relay {
    private static final Path POSTFIX = Path.of("/usr/sbin/postfix");

    private final Path dir;
    private final Path results;
    private int port;
    private long masterPid = -1;
    private String version = "?";

    /** @param dir the instance (under /var/tmp, deleted at close unless KEEP=1); @param results where the maillog is kept */
    PostfixRelay(Path dir, Path results) {
        this.dir = dir;
        this.results = results;
    }

    @Override
    public String name() {
        return "postfix";
    }

    @Override
    public String describe() {
        return "Postfix " + version + " (private instance, relayhost = the sink, mynetworks 127.0.0.0/8, defaults otherwise, queue on disk)";
    }

    @Override
    public void start(Sink sink) throws Exception {
        if (!Files.isExecutable(POSTFIX)) throw new IllegalStateException("postfix is not installed (apt-get install postfix)");
        version = Procs.run(List.of("/usr/sbin/postconf", "-d", "-h", "mail_version"), null, Duration.ofSeconds(30)).strip();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path p = dir.getParent(); p != null && p.startsWith("/var/tmp") && !p.equals(Path.of("/var/tmp")); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path etc = dir.resolve("etc");
        Path data = dir.resolve("data");
        Path spool = dir.resolve("spool");
        Files.createDirectories(etc);
        Files.createDirectories(data);
        Files.createDirectories(spool);
        Procs.run(List.of("chown", "postfix", data.toString()), null, Duration.ofSeconds(10));
        port = Procs.freePort("127.0.0.1");
        String main = """
                compatibility_level = 3.6
                queue_directory = %s
                data_directory = %s
                mail_owner = postfix
                setgid_group = postdrop
                myhostname = relay.bench.test
                mydomain = bench.test
                myorigin = $myhostname
                mydestination =
                local_recipient_maps =
                local_transport = error:local delivery disabled
                alias_maps =
                alias_database =
                relay_domains =
                relayhost = [%s]:%d
                mynetworks = 127.0.0.0/8
                inet_interfaces = 127.0.0.1
                inet_protocols = ipv4
                smtpd_peername_lookup = no
                smtp_dns_support_level = disabled
                smtp_host_lookup = native
                smtp_tls_security_level = none
                smtpd_tls_security_level = none
                biff = no
                maillog_file = %s
                maillog_file_prefixes = %s
                """.formatted(spool, data, sink.address, sink.port, dir.resolve("maillog"), dir);
        Files.writeString(etc.resolve("main.cf"), main, StandardCharsets.UTF_8);
        Files.writeString(etc.resolve("master.cf"), masterCf(Files.readAllLines(Path.of("/etc/postfix/master.cf")), port), StandardCharsets.UTF_8);
        // Postfix programs wait until main.cf is at least 2 s old.
        FileTime old = FileTime.from(Instant.now().minusSeconds(60));
        Files.setLastModifiedTime(etc.resolve("main.cf"), old);
        Files.setLastModifiedTime(etc.resolve("master.cf"), old);
        Procs.run(List.of(POSTFIX.toString(), "-c", etc.toString(), "start"), null, Duration.ofMinutes(1));
        Path pidFile = spool.resolve("pid/master.pid");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (masterPid < 0) {
            String pid = Procs.read(pidFile).orElse("").strip();
            if (!pid.isEmpty()) masterPid = Long.parseLong(pid);
            else if (System.nanoTime() > deadline) throw new IllegalStateException("postfix master did not start; see " + dir.resolve("maillog"));
            else Thread.sleep(100);
        }
        Procs.awaitListening("127.0.0.1", port, Duration.ofSeconds(30), () -> ProcessHandle.of(masterPid).isPresent(), "postfix");
    }

    /** Debian's master.cf with chroot off everywhere and smtpd on 127.0.0.1:port. */
    static String masterCf(List<String> lines, int port) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("#") || l.isBlank() || Character.isWhitespace(l.charAt(0))) {
                out.add(l);
                continue;
            }
            String[] f = l.trim().split("\\s+");
            if (f.length < 8) {
                out.add(l);
                continue;
            }
            f[4] = "n";
            if (f[0].equals("smtp") && f[1].equals("inet")) f[0] = "127.0.0.1:" + port;
            out.add(String.join("  ", f));
        }
        return String.join("\n", out) + "\n";
    }

    @Override
    public String listen() {
        return "127.0.0.1:" + port;
    }

    @Override
    public long rootPid() {
        return masterPid;
    }

    @Override
    public String afterCheck() {
        String log = Procs.read(dir.resolve("maillog")).orElse("");
        long sent = log.lines().filter(l -> l.contains("status=sent")).count();
        return "maillog status=sent: " + sent;
    }

    @Override
    public void close() {
        try {
            Procs.run(List.of(POSTFIX.toString(), "-c", dir.resolve("etc").toString(), "stop"), null, Duration.ofMinutes(1));
        } catch (Exception e) {
            // fall through to the pid
        }
        ProcessHandle.of(masterPid).ifPresent(h -> Procs.stop(h, Duration.ofSeconds(15)));
        // Keep the maillog with the results; the instance itself lives in /var/tmp.
        try {
            if (Files.exists(dir.resolve("maillog")) && results != null) Files.copy(dir.resolve("maillog"), results.resolve("postfix.maillog"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            if (!"1".equals(System.getenv("KEEP"))) deleteTree(dir);
        } catch (java.io.IOException e) {
            System.err.println("cannot clean up " + dir + ": " + e);
        }
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}

package dev.outflow.acceptance.harness;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A real, strict receiving MTA: a private Postfix instance (Debian package {@code postfix}) that
 * accepts mail for one domain on {@code address:port}, offers STARTTLS with a self-signed
 * certificate, writes a Received header saying whether TLS was used, and delivers into a Maildir
 * ({@link #messages()}). Its own config, queue and mail directories live under {@code /var/tmp}
 * (Postfix's users must traverse every parent); the system instance is not touched. Start-up
 * errors go to {@code maillog} in that directory.
 *
 * <p>Not thread-safe; {@link #close()} stops the instance and deletes its directory.
 */
public final class PostfixMx implements AutoCloseable {
    private static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    private static final String NOBODY = "65534";

    private final Path dir;
    private final Path maildir;

    private PostfixMx(Path dir) {
        this.dir = dir;
        this.maildir = dir.resolve("vmail/mailbox/new");
    }

    /** Starts Postfix for {@code domain} on {@code address:port} and waits until it answers. */
    public static PostfixMx start(String address, int port, String domain) {
        if (!Files.isExecutable(POSTFIX)) throw new IllegalStateException("postfix is not installed (see .ci/run)");
        try {
            Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "outflow-acceptance-postfix-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            PostfixMx mx = new PostfixMx(dir);
            try {
                mx.configure(address, port, domain);
                mx.postfix("start");
                Awaitility.await("postfix on " + address + ":" + port).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> accepts(address, port));
            } catch (RuntimeException | IOException | InterruptedException e) {
                String log = Files.exists(dir.resolve("maillog")) ? Files.readString(dir.resolve("maillog")) : "(no maillog)";
                mx.close();
                throw new IllegalStateException("postfix did not start: " + e + "\n" + log, e);
            }
            return mx;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void configure(String address, int port, String domain) throws IOException, InterruptedException {
        Path etc = dir.resolve("etc");
        Path data = dir.resolve("data");
        Path vmail = dir.resolve("vmail");
        for (Path p : List.of(etc, data, vmail, dir.resolve("spool"))) Files.createDirectories(p);
        run(List.of("chown", "postfix", data.toString()));
        run(List.of("chown", NOBODY + ":" + NOBODY, vmail.toString()));
        writeCertificate(etc, "mx." + domain);
        String main = String.join("\n",
                "compatibility_level = 3.6",
                "queue_directory = " + dir.resolve("spool"),
                "data_directory = " + data,
                "mail_owner = postfix",
                "setgid_group = postdrop",
                "myhostname = mx." + domain,
                "mydestination =",
                "local_recipient_maps =",
                "alias_maps =",
                "alias_database =",
                "relay_domains =",
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "virtual_mailbox_domains = " + domain,
                "virtual_mailbox_base = " + vmail,
                "virtual_mailbox_maps = static:mailbox/",
                "virtual_uid_maps = static:" + NOBODY,
                "virtual_gid_maps = static:" + NOBODY,
                "smtpd_tls_security_level = may",
                "smtpd_tls_cert_file = " + etc.resolve("cert.pem"),
                "smtpd_tls_key_file = " + etc.resolve("key.pem"),
                "smtpd_tls_received_header = yes",
                "smtpd_peername_lookup = no",
                "smtp_dns_support_level = disabled",
                "biff = no",
                "maillog_file = " + dir.resolve("maillog"),
                "maillog_file_prefixes = " + dir,
                "");
        Files.writeString(etc.resolve("main.cf"), main, StandardCharsets.UTF_8);
        Files.writeString(etc.resolve("master.cf"), masterCf(Files.readAllLines(Path.of("/etc/postfix/master.cf")), address + ":" + port),
                StandardCharsets.UTF_8);
        // Every Postfix program waits until main.cf is at least two seconds old.
        FileTime old = FileTime.from(Instant.now().minusSeconds(60));
        Files.setLastModifiedTime(etc.resolve("main.cf"), old);
        Files.setLastModifiedTime(etc.resolve("master.cf"), old);
    }

    /** Debian's master.cf with chroot off and smtpd bound to {@code listen} (other 127.x addresses are bound here, not in inet_interfaces). */
    static String masterCf(List<String> lines, String listen) {
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
            if (f[0].equals("smtp") && f[1].equals("inet")) f[0] = listen;
            out.add(String.join("  ", f));
        }
        return String.join("\n", out) + "\n";
    }

    private static void writeCertificate(Path etc, String name) throws IOException {
        try {
            // RSA: smtpd_tls_cert_file/key_file are Postfix's RSA slots (EC keys go elsewhere).
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            KeyPair kp = g.generateKeyPair();
            X500Name subject = new X500Name("CN=" + name);
            Instant now = Instant.now();
            var cert = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(3600)),
                    Date.from(now.plus(Duration.ofDays(2))), subject, kp.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate()));
            Files.writeString(etc.resolve("cert.pem"), pem(new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(cert)));
            Path key = etc.resolve("key.pem");
            Files.writeString(key, pem(kp.getPrivate()));
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (java.security.GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot make a certificate", e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }

    /** The messages delivered to the Maildir so far, as text. */
    public List<String> messages() {
        if (!Files.isDirectory(maildir)) return List.of();
        try (Stream<Path> files = Files.list(maildir)) {
            List<String> out = new ArrayList<>();
            for (Path f : files.sorted(Comparator.comparing(Path::toString)).toList()) out.add(Files.readString(f, StandardCharsets.ISO_8859_1));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Postfix's log (deliveries, TLS, errors). */
    public String maillog() {
        try {
            return Files.readString(dir.resolve("maillog"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no maillog: " + e.getMessage() + ")";
        }
    }

    private void postfix(String command) throws IOException, InterruptedException {
        run(List.of(POSTFIX.toString(), "-c", dir.resolve("etc").toString(), command));
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + out);
    }

    private static boolean accepts(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        java.util.Optional<ProcessHandle> master = java.util.Optional.empty();
        try {
            master = ProcessHandle.of(Long.parseLong(Files.readString(dir.resolve("spool/pid/master.pid")).strip()));
        } catch (IOException | NumberFormatException e) {
            // never started
        }
        try {
            postfix("stop");
        } catch (IOException | InterruptedException e) {
            // not running
        }
        // postfix stop only signals the master: wait until it is gone before removing its files.
        master.ifPresent(h -> {
            try {
                h.onExit().get(15, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
        try {
            Outflow.deleteTree(dir);
        } catch (IOException e) {
            // a temp directory under /var/tmp
        }
    }
}

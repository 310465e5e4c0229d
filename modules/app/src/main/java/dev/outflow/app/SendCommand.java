package dev.outflow.app;

import dev.outflow.core.config.Config;
import dev.outflow.core.config.OutflowKeys;
import dev.outflow.core.intake.Origin;
import dev.outflow.submission.OutflowClient;
import dev.outflow.submission.SubmissionRejectedException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code outflow send}: submits one message to the submissions topic and waits for the router's
 * outcome (the server's validation and queue_outbound hooks decide, not this process's plugins):
 * queued → prints the message id alone on the last line, exit 0; rejected → prints the reason
 * ({@code outflow: rejected: 550 5.7.1 ...}) on stderr, exit 1; no outcome within
 * {@code client.outcome_timeout} → says so, exit 1. Builds a proper RFC 5322 message from
 * --subject/--body, or sends --file as is (Message-ID and Date are added when missing).
 */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Submit a message and wait for the router: prints the message id (last line) once queued; exit 1 with the reason when rejected.")
final class SendCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--from", required = true, paramLabel = "ADDRESS", description = "Envelope sender and From header ('' for the null sender).")
    String from;

    @Option(names = "--to", required = true, split = ",", paramLabel = "ADDRESS", description = "Recipients, comma-separated or repeated.")
    List<String> to = new ArrayList<>();

    @Option(names = "--subject", paramLabel = "TEXT", description = "Subject (with --body).")
    String subject = "";

    @Option(names = "--body", paramLabel = "TEXT", description = "Plain-text body.")
    String body;

    @Option(names = "--file", paramLabel = "FILE", description = "A complete RFC 5322 message to send as is.")
    Path file;

    @Override
    public Integer call() throws Exception {
        if (file != null && body != null) throw new Main.UsageException("use either --file or --subject/--body, not both");
        Config loaded = options.load();
        Config config = KafkaBase.clientConfig(loaded, KafkaBase.bootstrap(loaded));
        byte[] contents = file != null ? Files.readAllBytes(file) : compose(config);
        try (OutflowClient client = OutflowClient.connect(config, new Origin(Origin.CLI, System.getProperty("user.name")))) {
            // The client's own timeouts (smtpd.queue_timeout, client.outcome_timeout) end the wait; this only guards against a hang.
            Duration guard = config.get(OutflowKeys.CLIENT_OUTCOME_TIMEOUT).plus(config.get(OutflowKeys.SMTPD_QUEUE_TIMEOUT)).plusSeconds(30);
            String id = client.sendEmail(from, to, contents).get(guard.toMillis(), TimeUnit.MILLISECONDS);
            System.out.println(id);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SubmissionRejectedException r) throw new Rejected(r.getMessage());
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
        return 0;
    }

    /** The router refused the message: {@code outflow: rejected: <code> <enhanced code> <reason>}, exit 1. */
    static final class Rejected extends RuntimeException {
        Rejected(String reply) {
            super("rejected: " + reply);
        }
    }

    private byte[] compose(Config config) throws Exception {
        Properties p = new Properties();
        p.setProperty("mail.mime.allowutf8", "true");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        if (!from.isEmpty()) m.setFrom(new InternetAddress(from));
        else m.setFrom(new InternetAddress("MAILER-DAEMON@" + config.me()));
        for (String r : to) m.addRecipient(jakarta.mail.Message.RecipientType.TO, new InternetAddress(r));
        m.setSubject(subject, "UTF-8");
        m.setSentDate(new Date());
        m.setText(body == null ? "" : body, "UTF-8");
        m.saveChanges();
        m.setHeader("Message-ID", "<" + java.util.UUID.randomUUID() + "@" + config.me() + ">");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toByteArray();
    }
}

package dev.outflow.submission.smtpd;

import dev.outflow.core.config.Config;
import dev.outflow.core.hooks.OutboundPlugin;
import dev.outflow.core.hooks.PluginChain;
import dev.outflow.core.intake.Intake;
import dev.outflow.core.intake.SuppressionCheck;
import dev.outflow.submission.FakeOutboundQueue;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A submission listener on an ephemeral loopback port with a fake queue, a users file holding
 * {@code alice}/{@code secret} (the fewest PBKDF2 iterations accepted), and a self-signed certificate in a temp data dir.
 */
final class SmtpFixture implements AutoCloseable {
    static final String USER = "alice";
    static final String PASSWORD = "secret";

    final FakeOutboundQueue queue = new FakeOutboundQueue();
    final SubmissionServer server;
    final Config config;

    private SmtpFixture(Path dir, Map<String, String> settings, List<OutboundPlugin> plugins, Duration authDelay) throws IOException {
        this(dir, settings, plugins, authDelay, SuppressionCheck.NONE);
    }

    private SmtpFixture(Path dir, Map<String, String> settings, List<OutboundPlugin> plugins, Duration authDelay,
                        SuppressionCheck suppressions) throws IOException {
        Path users = dir.resolve("smtpd.users");
        UsersFile.load(users).add(USER, PASSWORD.toCharArray(), UsersFile.MIN_ITERATIONS);
        Map<String, String> s = new HashMap<>();
        s.put("me", "outflow.test");
        s.put("data.dir", dir.resolve("data").toString());
        s.put("smtpd.listen", "127.0.0.1:0");
        s.put("smtpd.users", users.toString());
        s.putAll(settings);
        config = Config.of(s);
        Intake intake = new Intake(config, new PluginChain(plugins), Clock.systemDefaultZone(), suppressions);
        server = new SubmissionServer(config, intake, queue, SmtpdTls.serverContext(config), authDelay, Clock.systemDefaultZone()).start();
    }

    static SmtpFixture start(Path dir) throws IOException {
        return new SmtpFixture(dir, Map.of(), List.of(), SubmissionServer.AUTH_FAILURE_DELAY);
    }

    static SmtpFixture start(Path dir, Map<String, String> settings) throws IOException {
        return new SmtpFixture(dir, settings, List.of(), SubmissionServer.AUTH_FAILURE_DELAY);
    }

    static SmtpFixture start(Path dir, Map<String, String> settings, List<OutboundPlugin> plugins) throws IOException {
        return new SmtpFixture(dir, settings, plugins, SubmissionServer.AUTH_FAILURE_DELAY);
    }

    /** With a suppression list. */
    static SmtpFixture startWithSuppressions(Path dir, Map<String, String> settings, SuppressionCheck suppressions) throws IOException {
        return new SmtpFixture(dir, settings, List.of(), SubmissionServer.AUTH_FAILURE_DELAY, suppressions);
    }

    /** With a short AUTH failure delay, for tests that fail many logins. */
    static SmtpFixture startWithAuthDelay(Path dir, Map<String, String> settings, Duration authDelay) throws IOException {
        return new SmtpFixture(dir, settings, List.of(), authDelay);
    }

    Path usersFile() {
        return Path.of(config.get(dev.outflow.core.config.OutflowKeys.SMTPD_USERS).toString());
    }

    int port() {
        return server.port();
    }

    RawSmtp connect() throws IOException {
        return new RawSmtp(port());
    }

    @Override
    public void close() {
        server.close();
    }
}

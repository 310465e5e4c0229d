package dev.outflow.app;

import dev.outflow.core.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code outflow}: the command line. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or config.
 */
@Command(name = "outflow", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Outbound mail delivery on Kafka.",
        subcommands = {
            UpCommand.class, BrokerCommand.class, WorkerCommand.class, SchedulerCommand.class, SmtpdCommand.class, RouterCommand.class,
            WebhooksCommand.class,
            TopicsCommand.class, SendCommand.class, StatusCommand.class, FlushCommand.class,
            PauseCommand.class, ResumeCommand.class, DlqCommand.class, UsersCommand.class, DkimCommand.class, ConfigCommand.class,
            ReportCommand.class, TrackCommand.class, StatsCommand.class, SuppressionsCommand.class, EventsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    public static final int EXIT_RUNTIME = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns the exit code (tests call this). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            Throwable cause = ex;
            while (cause.getCause() != null && !(cause instanceof ConfigException)) cause = cause.getCause();
            if (cause instanceof ConfigException ce) {
                line.getErr().println("outflow: bad configuration: " + ce.getMessage());
                return EXIT_USAGE;
            }
            if (ex instanceof UsageException ue) {
                line.getErr().println("outflow: " + ue.getMessage());
                return EXIT_USAGE;
            }
            line.getErr().println("outflow: " + describe(ex));
            if (System.getenv("OUTFLOW_DEBUG") != null) ex.printStackTrace(line.getErr());
            return EXIT_RUNTIME;
        });
        cl.setExitCodeExceptionMapper(ex -> ex instanceof ConfigException || ex instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_RUNTIME);
        return cl.execute(args);
    }

    private static String describe(Throwable ex) {
        StringBuilder sb = new StringBuilder(String.valueOf(ex.getMessage()));
        for (Throwable c = ex.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) sb.append(": ").append(c.getMessage());
        }
        return sb.toString();
    }

    /** A command used wrongly in a way picocli cannot see (exit code 2). */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }

    /** Project version and the commit it was built from (written at build time by git-commit-id). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            java.util.Properties p = new java.util.Properties();
            try (var in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            } catch (java.io.IOException e) {
                // fall through to "unknown": a missing version file must not stop the CLI
            }
            String version = p.getProperty("git.build.version", "dev");
            String commit = p.getProperty("git.commit.id.abbrev", "unknown");
            if ("true".equals(p.getProperty("git.dirty"))) commit += " (with uncommitted changes)";
            String time = p.getProperty("git.commit.time");
            return new String[] {"outflow " + version + ", commit " + commit + (time == null || time.isEmpty() ? "" : " of " + time),
                    "java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
        }
    }
}

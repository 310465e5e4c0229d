package dev.outflow.app;

import dev.outflow.core.config.OutflowKeys;
import dev.outflow.submission.smtpd.UsersFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code outflow users add NAME --password-stdin} writes a PBKDF2 hash into {@code smtpd.users};
 * {@code outflow users remove NAME} takes a user out. A running listener picks the change up at the next AUTH.
 */
@Command(name = "users", mixinStandardHelpOptions = true, description = "Manage SMTP submission users (smtpd.users); a running listener follows the file.",
        subcommands = {UsersCommand.Add.class, UsersCommand.Remove.class})
final class UsersCommand {

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add or replace a user; the password is read from standard input (first line), never from the command line.")
    static final class Add implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(index = "0", paramLabel = "NAME", description = "User name (no ':' or blanks).")
        String name;

        @Option(names = "--password-stdin", required = true, description = "Read the password from standard input.")
        boolean passwordStdin;

        @Override
        public Integer call() throws Exception {
            Path file = options.load().get(OutflowKeys.SMTPD_USERS);
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) throw new Main.UsageException("no password on standard input");
            java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
            try {
                UsersFile.edit(file).add(name, line.toCharArray());
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException(e.getMessage());
            }
            System.out.println("user " + name + " written to " + file);
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user; its next AUTH fails (no restart needed).")
    static final class Remove implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(index = "0", paramLabel = "NAME", description = "User name.")
        String name;

        @Override
        public Integer call() {
            Path file = options.load().get(OutflowKeys.SMTPD_USERS);
            if (!UsersFile.edit(file).remove(name)) throw new Main.UsageException("no user " + name + " in " + file);
            System.out.println("user " + name + " removed from " + file);
            return 0;
        }
    }
}

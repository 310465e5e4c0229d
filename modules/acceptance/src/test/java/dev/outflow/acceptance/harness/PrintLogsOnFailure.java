package dev.outflow.acceptance.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints the tail of every process log of the failed test's instance directory
 * ({@code acceptance-logs/<TestClassSimpleName>}) to standard output, which failsafe keeps in
 * {@code target/failsafe-reports/*-output.txt}. Register with {@code @ExtendWith}.
 */
public final class PrintLogsOnFailure implements TestWatcher {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        print(context, Installation.logsRoot().resolve(context.getRequiredTestClass().getSimpleName()));
        for (String stack : Stack.ACTIVE) print(context, Installation.logsRoot().resolve(stack));
    }

    private static void print(ExtensionContext context, Path dir) {
        if (!Files.isDirectory(dir)) return;
        StringBuilder sb = new StringBuilder("==== logs of " + dir + " after " + context.getDisplayName() + " failed\n");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".err") || p.toString().endsWith(".out") || p.toString().endsWith(".log"))
                    .sorted().toList()) {
                sb.append("---- ").append(f.getFileName()).append('\n')
                        .append(Logs.tail(Files.readString(f, StandardCharsets.UTF_8), 40)).append('\n');
            }
        } catch (IOException e) {
            sb.append("(cannot list: ").append(e).append(")\n");
        }
        System.out.println(sb);
    }
}

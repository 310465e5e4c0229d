package dev.outflow.acceptance.harness;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the checkout under test is and how its children are run. {@code outflow.home} (set by the
 * build to the checkout root) wins; otherwise the first parent of the working directory holding
 * {@code bin/outflow}. Instance directories go under {@code outflow.acceptance.logs} (default
 * {@code modules/acceptance/target/acceptance-logs}).
 */
public final class Installation {
    private Installation() {}

    public static Path home() {
        String configured = System.getProperty("outflow.home");
        if (configured != null) return requireLauncher(Path.of(configured).toAbsolutePath().normalize());
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("bin/outflow"))) return p;
        }
        throw new IllegalStateException("cannot find bin/outflow above " + Path.of("").toAbsolutePath() + "; set -Doutflow.home");
    }

    private static Path requireLauncher(Path home) {
        if (!Files.isExecutable(home.resolve("bin/outflow"))) throw new IllegalStateException("no bin/outflow in " + home);
        return home;
    }

    public static Path logsRoot() {
        String configured = System.getProperty("outflow.acceptance.logs");
        if (configured != null) return Path.of(configured).toAbsolutePath();
        return home().resolve("modules/acceptance/target/acceptance-logs");
    }

    /** JVM options of child processes: the launcher's defaults (bin/outflow); {@code outflow.child.java_opts} overrides. */
    static String childJavaOpts() {
        return System.getProperty("outflow.child.java_opts", "-Xmx512m -XX:+UseParallelGC");
    }

    /** Copies {@code env} into a child's environment; a null value removes the variable. */
    static void applyEnv(java.util.Map<String, String> target, java.util.Map<String, String> env) {
        env.forEach((k, v) -> {
            if (v == null) target.remove(k);
            else target.put(k, v);
        });
    }

    /** This JVM's JDK when it is one (bin/outflow checks the version itself), else null. */
    static String javaHome() {
        Path h = Path.of(System.getProperty("java.home"));
        return Files.isExecutable(h.resolve("bin/javac")) ? h.toString() : null;
    }
}

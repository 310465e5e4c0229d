package dev.outflow.acceptance.harness;

/**
 * The outcome of a one-shot {@code bin/outflow} command.
 *
 * @param command what ran (for messages)
 * @param exitCode its exit code (0 ok, 1 runtime failure, 2 bad usage or config)
 * @param stdout   its standard output
 * @param stderr   its standard error (logs)
 */
public record CommandResult(String command, int exitCode, String stdout, String stderr) {
    /** @throws AssertionError with the output when the command did not exit with 0 */
    public CommandResult requireSuccess() {
        if (exitCode != 0) throw new AssertionError("outflow " + command + " exited with " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + Logs.tail(stderr, 60));
        return this;
    }

    /** The last non-empty line of standard output (send prints the message id there). */
    public String lastLine() {
        String[] lines = stdout.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}

package dev.outflow.app;

import picocli.CommandLine.Command;

/** {@code outflow dlq list|replay}: the dead-letter topic for operators. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Inspect and replay the dead-letter topic (records no stage could use, with the reason).",
        subcommands = {DlqListCommand.class, DlqReplayCommand.class})
final class DlqCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}

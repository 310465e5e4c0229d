package dev.outflow.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code outflow smtpd}: only the SMTP submission listener. */
@Command(name = "smtpd", mixinStandardHelpOptions = true,
        description = "Run the SMTP submission listener (smtpd.listen) until stopped; mail is queued to Kafka before 250.")
final class SmtpdCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        return Runner.run(options, Components::smtpd);
    }
}

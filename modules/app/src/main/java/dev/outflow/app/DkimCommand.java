package dev.outflow.app;

import dev.outflow.core.dkim.DkimAlgorithm;
import dev.outflow.core.dkim.DkimKeyGen;
import dev.outflow.core.config.OutflowKeys;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code outflow dkim keygen DOMAIN SELECTOR}: a signing key in {@code dkim.keys_dir} and the DNS record to publish. */
@Command(name = "dkim", mixinStandardHelpOptions = true, description = "DKIM signing keys (dkim.keys_dir).",
        subcommands = DkimCommand.Keygen.class)
final class DkimCommand {

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = "Write a new key to dkim.keys_dir/DOMAIN/SELECTOR.pem (mode 0600) and print the TXT record to publish."
                    + " Mail from DOMAIN is signed with it from the next start on.")
    static final class Keygen implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(index = "0", paramLabel = "DOMAIN", description = "Signing domain (d=), the domain of the From addresses to sign.")
        String domain;

        @Parameters(index = "1", paramLabel = "SELECTOR", description = "Selector (s=), e.g. s2026.")
        String selector;

        @Option(names = "--algorithm", defaultValue = "rsa-sha256", paramLabel = "ALG",
                description = "rsa-sha256 (2048 bits, what every receiver checks; default) or ed25519-sha256 (RFC 8463).")
        String algorithm;

        @Override
        public Integer call() throws Exception {
            Path dir = options.load().get(OutflowKeys.DKIM_KEYS_DIR);
            DkimKeyGen.Generated g;
            try {
                g = DkimKeyGen.generate(dir, domain, selector, DkimAlgorithm.parse(algorithm));
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException(e.getMessage());
            }
            System.out.println("key written to " + g.keyFile() + " (mode 0600); publish this TXT record:");
            System.out.println(g.zoneLine());
            return 0;
        }
    }
}

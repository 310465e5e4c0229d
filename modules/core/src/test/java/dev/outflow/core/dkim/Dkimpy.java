package dev.outflow.core.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs dkimpy (Debian's {@code python3-dkim}, an independent DKIM implementation) on a message:
 * {@code /usr/bin/python3 verify.py DNS_IP DNS_PORT < message}. Returns what it printed.
 */
public final class Dkimpy {
    private Dkimpy() {}

    public record Verdict(int exit, String output) {
        public boolean allPass() {
            return exit == 0;
        }
    }

    public static Verdict verify(byte[] message, String dnsIp, int dnsPort) throws IOException, InterruptedException {
        Path script = Files.createTempFile("dkim-verify", ".py");
        try (InputStream in = Dkimpy.class.getResourceAsStream("/dkim/verify.py")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), dnsIp, String.valueOf(dnsPort))
                    .redirectErrorStream(true).start();
            try (var out = p.getOutputStream()) {
                out.write(message);
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("dkimpy did not finish: " + output);
            }
            return new Verdict(p.exitValue(), output);
        } finally {
            Files.deleteIfExists(script);
        }
    }
}

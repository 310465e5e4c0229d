package dev.outflow.core.dkim;

import dev.outflow.core.config.Config;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * CPU cost of signing one ~2 KB message (a main class, not a test): for rsa-sha256 (2048 bits),
 * ed25519-sha256 and both, signs N messages on one thread after a warm-up and prints the thread
 * CPU time per message. Argument: N (default 5000).
 *
 * <pre>{@code java -cp <core test classpath> dev.outflow.core.dkim.DkimSigningCost 5000}</pre>
 */
public final class DkimSigningCost {
    private DkimSigningCost() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        StringBuilder body = new StringBuilder();
        while (body.length() < 1900) body.append("The quick brown fox jumps over the lazy dog, again and again.\r\n");
        byte[] message = ("From: Shop <news@shop.test>\r\nTo: someone@example.com\r\nSubject: Your order\r\nDate: Mon, 2 Feb 2026 10:00:00 +0000\r\n"
                + "Message-ID: <1@shop.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
        for (String algorithms : new String[] {"rsa", "ed25519", "rsa,ed25519"}) {
            Path dir = Files.createTempDirectory("dkim-cost");
            int i = 0;
            for (String a : algorithms.split(",")) DkimKeyGen.generate(dir, "shop.test", "s" + i++, DkimAlgorithm.parse(a));
            DkimSigner signer = DkimSigner.fromConfig(Config.of(Map.of("dkim.keys_dir", dir.toString())), Clock.systemUTC());
            for (int w = 0; w < Math.max(500, n / 5); w++) signer.sign(message);
            var bean = ManagementFactory.getThreadMXBean();
            long cpu0 = bean.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            for (int k = 0; k < n; k++) signer.sign(message);
            double cpuMs = (bean.getCurrentThreadCpuTime() - cpu0) / 1e6 / n;
            double wallMs = (System.nanoTime() - wall0) / 1e6 / n;
            System.out.printf("%-12s %d messages of %d bytes: %.3f ms CPU/msg, %.3f ms wall/msg%n", algorithms, n, message.length, cpuMs, wallMs);
        }
    }
}

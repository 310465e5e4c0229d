package dev.outflow.webhooks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the verification snippets of docs/webhooks.md as written, with python3 and sh + openssl. */
final class Snippets {
    static final Path DOC = Path.of("").toAbsolutePath().resolve("../../docs/webhooks.md").normalize();

    private Snippets() {
    }

    static String block(String language) throws IOException {
        Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        if (!m.find()) throw new AssertionError("no ```" + language + " block in " + DOC);
        return m.group(1);
    }

    /** "valid" or "invalid" as the Python function decides for this request. */
    static String python(String header, String secret, byte[] body) throws Exception {
        Path dir = Files.createTempDirectory("snippet");
        Files.write(dir.resolve("body.json"), body);
        Files.writeString(dir.resolve("verify.py"), block("python") + """

                import os, sys
                ok = verify_outflow_signature(os.environ["WEBHOOK_SECRET"].encode(), os.environ["SIG"], open("body.json", "rb").read())
                print("valid" if ok else "invalid")
                """);
        return run(dir, header, secret, "python3", "verify.py");
    }

    /** "valid" or "invalid" as the shell snippet prints. */
    static String shell(String header, String secret, byte[] body) throws Exception {
        Path dir = Files.createTempDirectory("snippet");
        Files.write(dir.resolve("body.json"), body);
        Files.writeString(dir.resolve("verify.sh"), block("sh"));
        return run(dir, header, secret, "sh", "verify.sh");
    }

    private static String run(Path dir, String header, String secret, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("SIG", header);
        pb.environment().put("WEBHOOK_SECRET", secret);
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        return out;
    }
}

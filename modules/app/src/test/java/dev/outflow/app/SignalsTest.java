package dev.outflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGHUP in a real child JVM: caught and handled when the process may catch it; reported (not
 * silently lost) when the process was started with it ignored, as under {@code nohup}.
 */
class SignalsTest {

    /** The child: installs the handler, sends itself SIGHUP with kill(1), says what happened. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            CountDownLatch handled = new CountDownLatch(1);
            boolean installed = Signals.onHangup(handled::countDown);
            System.out.println("installed=" + installed);
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start();
            kill.waitFor(10, TimeUnit.SECONDS);
            System.out.println("handled=" + handled.await(installed ? 10 : 2, TimeUnit.SECONDS));
        }
    }

    private static String probe(String... prefix) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(prefix));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("probe finished").isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void hangupIsCaughtAndHandled() throws Exception {
        String out = probe("env", "--default-signal=HUP");
        assertThat(out).contains("installed=true", "handled=true");
    }

    @Test
    void aHangupIgnoredSinceStartIsReportedNotSilentlyLost() throws Exception {
        String out = probe("env", "--ignore-signal=HUP");
        assertThat(out).contains("installed=false", "handled=false",
                "SIGHUP is ignored by this process (it was started with SIGHUP ignored, e.g. under nohup)");
    }
}

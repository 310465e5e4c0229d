package dev.outflow.submission.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outflow.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersFileTest {
    @TempDir
    Path dir;

    @Test
    void addedUsersVerifyAfterReload() throws Exception {
        Path file = dir.resolve("conf/smtpd.users");
        UsersFile users = UsersFile.load(file);
        users.add("alice", "s3cret".toCharArray(), UsersFile.MIN_ITERATIONS);
        users.add("bob", "hunter2".toCharArray(), UsersFile.MIN_ITERATIONS);
        users.add("alice", "changed".toCharArray(), UsersFile.MIN_ITERATIONS);

        UsersFile reloaded = UsersFile.load(file);
        assertThat(reloaded.size()).isEqualTo(2);
        assertThat(reloaded.verify("alice", "changed")).isTrue();
        assertThat(reloaded.verify("alice", "changed")).isTrue();          // second time from the cache
        assertThat(reloaded.verify("alice", "s3cret")).isFalse();
        assertThat(reloaded.verify("bob", "hunter2")).isTrue();
        assertThat(reloaded.verify("carol", "hunter2")).isFalse();
        assertThat(reloaded.verify("bob", "")).isFalse();

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).anyMatch(l -> l.matches("alice:pbkdf2-sha256\\$100000\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+"));
        assertThat(String.join("\n", lines)).doesNotContain("changed").doesNotContain("hunter2");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void defaultIterationsAreRecordedInTheHash() throws Exception {
        assertThat(UsersFile.DEFAULT_ITERATIONS).as("OWASP 2023 for PBKDF2-HMAC-SHA256").isGreaterThanOrEqualTo(600_000);
        Path file = dir.resolve("u");
        UsersFile.load(file).add("dave", "pw".toCharArray());

        assertThat(Files.readString(file)).contains("dave:pbkdf2-sha256$" + UsersFile.DEFAULT_ITERATIONS + "$");
        assertThat(UsersFile.load(file).verify("dave", "pw")).isTrue();
    }

    @Test
    void plainTextEntryIsRefusedNamingFileAndLine() throws Exception {
        Path file = dir.resolve("smtpd.users");
        Files.writeString(file, "# users\n\nalice:pbkdf2-sha256$100000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\nbob:hunter2\n");

        assertThatThrownBy(() -> UsersFile.load(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("smtpd.users")
                .hasMessageContaining(file + " line 4")
                .hasMessageContaining("user 'bob'")
                .hasMessageContaining("plain-text");
    }

    @Test
    void weakHashIsRefusedAtLoadNamingUserAndFile() throws Exception {
        Path file = dir.resolve("smtpd.users");
        Files.writeString(file, "# users\nalice:pbkdf2-sha256$99999$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\n");

        assertThatThrownBy(() -> UsersFile.load(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("smtpd.users")
                .hasMessageContaining(file + " line 2")
                .hasMessageContaining("user 'alice'")
                .hasMessageContaining("99999 PBKDF2 iterations")
                .hasMessageContaining("outflow users add alice");
    }

    @Test
    void aWeakEntryCanBeReplacedThroughEdit() throws Exception {
        Path file = dir.resolve("smtpd.users");
        Files.writeString(file, "alice:pbkdf2-sha256$1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\nbob:pbkdf2-sha256$1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\n");

        UsersFile.edit(file).add("alice", "new".toCharArray(), UsersFile.MIN_ITERATIONS);
        assertThatThrownBy(() -> UsersFile.load(file)).hasMessageContaining("user 'bob'");
        assertThat(UsersFile.edit(file).remove("bob")).isTrue();

        UsersFile users = UsersFile.load(file);
        assertThat(users.size()).isEqualTo(1);
        assertThat(users.verify("alice", "new")).isTrue();
    }

    @Test
    void newHashesBelowTheMinimumAreRefused() {
        UsersFile users = UsersFile.load(dir.resolve("u"));

        assertThatThrownBy(() -> users.add("alice", "pw".toCharArray(), 1000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("100000");
    }

    @Test
    void malformedHashIsRefused() throws Exception {
        Path file = dir.resolve("smtpd.users");
        Files.writeString(file, "alice:pbkdf2-sha256$many$x$y\n");

        assertThatThrownBy(() -> UsersFile.load(file)).isInstanceOf(ConfigException.class).hasMessageContaining("line 1");
    }

    @Test
    void missingFileMeansNoUsers() {
        UsersFile users = UsersFile.load(dir.resolve("absent"));

        assertThat(users.size()).isZero();
        assertThat(users.verify("alice", "x")).isFalse();
    }

    @Test
    void badNamesAreRefused() {
        UsersFile users = UsersFile.load(dir.resolve("u"));

        assertThatThrownBy(() -> users.add("a:b", "x".toCharArray())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> users.add("a b", "x".toCharArray())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> users.add("a", new char[0])).isInstanceOf(IllegalArgumentException.class);
    }
}

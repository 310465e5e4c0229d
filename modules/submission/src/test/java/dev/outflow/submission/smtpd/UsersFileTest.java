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
        users.add("alice", "s3cret".toCharArray(), 2000);
        users.add("bob", "hunter2".toCharArray(), 2000);
        users.add("alice", "changed".toCharArray(), 2000);

        UsersFile reloaded = UsersFile.load(file);
        assertThat(reloaded.size()).isEqualTo(2);
        assertThat(reloaded.verify("alice", "changed")).isTrue();
        assertThat(reloaded.verify("alice", "changed")).isTrue();          // second time from the cache
        assertThat(reloaded.verify("alice", "s3cret")).isFalse();
        assertThat(reloaded.verify("bob", "hunter2")).isTrue();
        assertThat(reloaded.verify("carol", "hunter2")).isFalse();
        assertThat(reloaded.verify("bob", "")).isFalse();

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).anyMatch(l -> l.matches("alice:pbkdf2-sha256\\$2000\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+"));
        assertThat(String.join("\n", lines)).doesNotContain("changed").doesNotContain("hunter2");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void defaultIterationsAreRecordedInTheHash() throws Exception {
        Path file = dir.resolve("u");
        UsersFile.load(file).add("dave", "pw".toCharArray());

        assertThat(Files.readString(file)).contains("dave:pbkdf2-sha256$" + UsersFile.DEFAULT_ITERATIONS + "$");
        assertThat(UsersFile.load(file).verify("dave", "pw")).isTrue();
    }

    @Test
    void plainTextEntryIsRefusedNamingFileAndLine() throws Exception {
        Path file = dir.resolve("smtpd.users");
        Files.writeString(file, "# users\n\nalice:pbkdf2-sha256$1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\nbob:hunter2\n");

        assertThatThrownBy(() -> UsersFile.load(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("smtpd.users")
                .hasMessageContaining(file + " line 4")
                .hasMessageContaining("user 'bob'")
                .hasMessageContaining("plain-text");
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

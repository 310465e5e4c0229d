package dev.outflow.broker.internal;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * Formats a KRaft log directory once. A directory that already holds {@code meta.properties} is
 * left alone so its topics, offsets and cluster id survive restarts.
 */
public final class StorageFormat {
    private static final String META_PROPERTIES = "meta.properties";

    private StorageFormat() {
    }

    public static boolean isFormatted(Path logDir) {
        return Files.isRegularFile(logDir.resolve(META_PROPERTIES));
    }

    /**
     * Formats {@code logDir} with a fresh cluster id unless it is formatted already.
     *
     * @return true when the directory was formatted now
     * @throws Exception Kafka's formatting failure (e.g. a non-empty directory of another kind)
     */
    public static boolean formatIfNeeded(Path logDir, String controllerListener, int nodeId) throws Exception {
        if (isFormatted(logDir)) {
            return false;
        }
        Files.createDirectories(logDir);
        String dir = logDir.toAbsolutePath().toString();
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(nodeId)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(dir))
                .setMetadataLogDirectory(dir)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setUnstableFeatureVersionsEnabled(false)
                .setControllerListenerName(controllerListener)
                .setIgnoreFormatted(false)
                .run();
        return true;
    }
}

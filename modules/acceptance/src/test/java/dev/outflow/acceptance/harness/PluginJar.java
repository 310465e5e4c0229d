package dev.outflow.acceptance.harness;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * Packs one compiled plugin class of the test tree into a jar with its
 * {@code META-INF/services/dev.outflow.core.hooks.OutboundPlugin} entry, as an operator would drop
 * a plugin jar into {@code plugins.dir}. Only the class itself (and its nested classes) go in.
 */
public final class PluginJar {
    private static final String SERVICE = "META-INF/services/dev.outflow.core.hooks.OutboundPlugin";

    private PluginJar() {}

    /** Writes {@code dir/NAME.jar} holding {@code plugin}; returns its path. */
    public static Path write(Class<?> plugin, Path dir) {
        try {
            Path classes = Path.of(plugin.getProtectionDomain().getCodeSource().getLocation().toURI());
            String base = plugin.getName().replace('.', '/');
            Path pkg = classes.resolve(base).getParent();
            String simple = plugin.getSimpleName();
            Files.createDirectories(dir);
            Path jar = dir.resolve(simple + ".jar");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                try (var files = Files.list(pkg)) {
                    for (Path f : files.filter(f -> {
                        String n = f.getFileName().toString();
                        return n.equals(simple + ".class") || n.startsWith(simple + "$");
                    }).toList()) {
                        String entry = classes.relativize(f).toString().replace('\\', '/');
                        out.putNextEntry(new JarEntry(entry));
                        Files.copy(f, out);
                        out.closeEntry();
                    }
                }
                out.putNextEntry(new JarEntry(SERVICE));
                OutputStream o = out;
                o.write((plugin.getName() + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

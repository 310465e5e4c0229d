package dev.outflow.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Linux {@code /proc} accounting for the benchmark: CPU time of a process tree, its resident
 * memory, and the whole machine's busy time. CPU of a tree is the sum over its live processes of
 * {@code utime + stime + cutime + cstime}: a child that exits and is reaped moves its time into
 * its parent's {@code c*time}, so the difference between two readings is the CPU the tree burned
 * in between, exact to one clock tick per process, with nothing counted twice. Stateless.
 */
final class ProcStat {
    /** Clock ticks per second ({@code getconf CLK_TCK}); 100 on every Linux this runs on. */
    static final double TICKS = 100.0;

    private ProcStat() {}

    private record Stat(int pid, int ppid, long user, long sys) {
        long ticks() {
            return user + sys;
        }
    }

    private static Stat stat(Path statFile) {
        try {
            String s = Files.readString(statFile);
            int close = s.lastIndexOf(')');
            String[] f = s.substring(close + 2).split(" ");
            // f[0] is field 3 (state): ppid = field 4, utime..cstime = fields 14..17
            int pid = Integer.parseInt(s.substring(0, s.indexOf(' ')));
            long user = Long.parseLong(f[11]) + Long.parseLong(f[13]);
            long sys = Long.parseLong(f[12]) + Long.parseLong(f[14]);
            return new Stat(pid, Integer.parseInt(f[1]), user, sys);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Map<Integer, Stat> all() {
        Map<Integer, Stat> out = new HashMap<>();
        try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
            for (Path d : dirs.toList()) {
                String n = d.getFileName().toString();
                if (n.isEmpty() || !Character.isDigit(n.charAt(0))) continue;
                Stat st = stat(d.resolve("stat"));
                if (st != null) out.put(st.pid, st);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
        return out;
    }

    /** The live tree under {@code root} (root first). */
    static List<Integer> tree(long root) {
        Map<Integer, Stat> all = all();
        Map<Integer, List<Integer>> kids = new HashMap<>();
        for (Stat s : all.values()) kids.computeIfAbsent(s.ppid, k -> new ArrayList<>()).add(s.pid);
        List<Integer> out = new ArrayList<>();
        List<Integer> todo = new ArrayList<>(List.of((int) root));
        while (!todo.isEmpty()) {
            int p = todo.remove(todo.size() - 1);
            if (!all.containsKey(p) || out.contains(p)) continue;
            out.add(p);
            todo.addAll(kids.getOrDefault(p, List.of()));
        }
        return out;
    }

    /** {user, system} CPU seconds of the live tree under {@code root}, reaped children included. */
    static double[] treeCpuSeconds(long root) {
        Map<Integer, Stat> all = all();
        long u = 0;
        long k = 0;
        for (int p : tree(root)) {
            Stat s = all.get(p);
            if (s != null) {
                u += s.user;
                k += s.sys;
            }
        }
        return new double[] {u / TICKS, k / TICKS};
    }

    /** CPU seconds of this JVM plus its reaped children (smtp-source runs are reaped by us). */
    static double selfCpuSeconds() {
        Stat s = stat(Path.of("/proc/self/stat"));
        return s == null ? 0 : s.ticks() / TICKS;
    }

    /** Summed RSS and PSS (KiB) of the live tree; PSS shares pages fairly between processes. */
    static long[] treeMemoryKib(long root) {
        long rss = 0;
        long pss = 0;
        for (int p : tree(root)) {
            Path f = Path.of("/proc/" + p + "/smaps_rollup");
            try {
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("Rss:")) rss += kib(line);
                    else if (line.startsWith("Pss:")) pss += kib(line);
                }
            } catch (IOException e) {
                // the process just exited
            }
        }
        return new long[] {rss, pss};
    }

    private static long kib(String line) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]);
    }

    /** Whole-machine {busy ticks, total ticks} from /proc/stat. */
    static long[] box() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) total += Long.parseLong(f[i]);
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat", e);
        }
    }

    static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }
}

package dev.verity.tensor.ops;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Manual tool (not a test): A/B of two engine builds in one process, alternating, so that load
 * from other work on the machine hits both alike. {@code AbBench <baseClasses> <newClasses>
 * <probeDir> <depClasspath> <model> <threads> <rounds> <steps>}; probeDir holds the compiled
 * {@link AbProbe}. Prints base/new time ratios (> 1: new is faster) per op kind and per step,
 * and whether the two builds' state hashes agree after every round.
 */
public final class AbBench {
    public static void main(String[] args) throws Exception {
        String model = args[4];
        int threads = Integer.parseInt(args[5]);
        int rounds = Integer.parseInt(args[6]);
        int steps = Integer.parseInt(args[7]);
        Object[] probes = {probe(args[0], args[2], args[3], model), probe(args[1], args[2], args[3], model)};
        for (Object p : probes) {
            run(p, threads, 15); // warm-up: JIT of both builds
        }
        List<Map<String, Long>> sums = List.of(new TreeMap<>(), new TreeMap<>());
        boolean same = true;
        for (int r = 0; r < rounds; r++) {
            String[] hash = new String[2];
            for (int i = 0; i < 2; i++) {
                int side = (r % 2 == 0) ? i : 1 - i;
                Map<String, Object> m = run(probes[side], threads, steps);
                for (Map.Entry<String, Object> e : m.entrySet()) {
                    if (e.getValue() instanceof Long v) {
                        sums.get(side).merge(e.getKey(), v, Long::sum);
                    }
                }
                hash[side] = (String) m.get("HASH");
            }
            same &= hash[0].equals(hash[1]);
        }
        double n = (double) rounds * steps;
        System.out.printf("%s threads=%d: hashes %s%n", model, threads, same ? "IDENTICAL" : "DIFFER");
        sums.get(0).entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).forEach(e -> {
            Long nb = sums.get(1).get(e.getKey());
            double a = e.getValue() / n / 1e6;
            double b = nb == null ? Double.NaN : nb / n / 1e6;
            if (a > 0.05 || e.getKey().equals("STEP")) {
                System.out.printf("  %-24s base %8.2f ms  new %8.2f ms  speedup %5.2fx%n", e.getKey(), a, b, a / b);
            }
        });
    }

    private static Object probe(String classes, String probeDir, String deps, String model) throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(new File(classes).toURI().toURL());
        urls.add(new File(probeDir).toURI().toURL());
        for (String d : deps.split(File.pathSeparator)) {
            urls.add(new File(d).toURI().toURL());
        }
        ClassLoader cl = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        return cl.loadClass("dev.verity.tensor.ops.AbProbe").getConstructor(String.class).newInstance(model);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> run(Object probe, int threads, int steps) throws Exception {
        return (Map<String, Object>) probe.getClass().getMethod("run", int.class, int.class).invoke(probe, threads, steps);
    }
}

package dev.verity.node.explorer;

import dev.verity.chain.ChainSelftest;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.Verity;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code verity explorer bench}: how fast every page answers with many tasks indexed. It settles N
 * tasks (and plays one dispute) on the embedded EVM with the real contracts, indexes them, then times
 * R sequential requests of each page and its JSON twin over HTTP on 127.0.0.1 and prints the median
 * and the worst. A benchmark that prints figures, not a test that asserts them.
 */
public final class ExplorerBench {
    private ExplorerBench() {
    }

    public static int run(int tasks, int requests, PrintStream out) throws Exception {
        if (tasks < 1 || requests < 1) {
            throw new IllegalArgumentException("bench: --tasks and --requests must be at least 1");
        }
        Path dir = Files.createTempDirectory("verity-explorer-bench");
        try (EmbeddedChain chain = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
            Verity v = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults());
            ChainSelftest.setUp(v, a);
            v.transfer(a.deployer(), a.submitter(), Verity.ether(1_000L * tasks + 10_000));
            long t0 = System.nanoTime();
            SyntheticDispute syn = new SyntheticDispute(64, 8, 8, 1024, 16, 1);
            for (int i = 0; i < tasks; i++) {
                ChainSelftest.honestTask(v, a, syn);
            }
            long disputed = ChainSelftest.disputedTask(v, a, new SyntheticDispute(64, 8, 8, 1024, 16, 2), 3);
            out.printf(Locale.ROOT, "network: %d settled tasks and a disputed one on the embedded EVM, %d blocks, in %.1f s%n", tasks,
                    chain.blockNumber(), (System.nanoTime() - t0) / 1e9);
            try (Explorer e = Explorer.start(v, new LocalBlobStore(dir.resolve("blobs")), Explorer.Settings.local(0, dir.resolve("index.db"))
                    .withPoll(java.time.Duration.ofHours(1)))) {
                long t1 = System.nanoTime();
                e.pollNow();
                out.printf(Locale.ROOT, "indexed %s events from %d blocks in %.1f s%n", e.status().get("events"), chain.blockNumber() - v.deployBlock,
                        (System.nanoTime() - t1) / 1e9);
                List<String> paths = paths(v, a, disputed, tasks);
                time(e.url(), paths, requests, out);
                return 0;
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static List<String> paths(Verity v, ChainSelftest.Actors a, long disputed, int tasks) {
        String model = "0x" + dev.verity.merkle.Sha256.hex(v.models().get(0).modelRoot());
        List<String> pages = List.of("", "tasks", "tasks?status=SETTLED", "task/1", "task/" + (tasks / 2), "task/" + disputed, "dispute/1", "zoo",
                "model/" + model, "account/" + a.submitter(), "account/" + a.solver(), "account/" + a.verifiers().get(0));
        List<String> out = new ArrayList<>();
        for (String p : pages) {
            out.add("/" + p);
        }
        for (String p : pages) {
            out.add("/api/" + (p.isEmpty() ? "network" : p.equals("zoo") ? "models" : p));
        }
        return out;
    }

    private static void time(String base, List<String> paths, int requests, PrintStream out) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        out.printf(Locale.ROOT, "%-66s %6s %10s %10s %9s%n", "page", "status", "median ms", "worst ms", "bytes");
        double worstMedian = 0;
        for (String p : paths) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base.substring(0, base.length() - 1) + p)).GET().build();
            http.send(req, HttpResponse.BodyHandlers.ofByteArray()); // warm-up: JIT, caches, a first replay request
            double[] ms = new double[requests];
            int status = 0;
            int bytes = 0;
            for (int i = 0; i < requests; i++) {
                long t = System.nanoTime();
                HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                ms[i] = (System.nanoTime() - t) / 1e6;
                status = r.statusCode();
                bytes = r.body().length;
            }
            Arrays.sort(ms);
            double median = ms[requests / 2];
            worstMedian = Math.max(worstMedian, median);
            out.printf(Locale.ROOT, "%-66s %6d %10.1f %10.1f %9d%n", p.length() > 66 ? p.substring(0, 63) + "..." : p, status, median,
                    ms[requests - 1], bytes);
        }
        out.printf(Locale.ROOT, "slowest page (median): %.1f ms%n", worstMedian);
    }

    /** Removes {@code dir} and everything under it (nothing if it does not exist). */
    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            org.apache.commons.io.file.PathUtils.deleteDirectory(dir);
        }
    }
}

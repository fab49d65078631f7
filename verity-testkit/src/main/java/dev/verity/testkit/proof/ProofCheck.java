package dev.verity.testkit.proof;

import dev.verity.proof.dispute.HonestChallenger;
import dev.verity.proof.dispute.ChallengerMoves;
import dev.verity.proof.dispute.Defender;
import dev.verity.proof.dispute.Dispute;
import dev.verity.testkit.proof.LyingChallenger;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.DatasetBlobs;
import dev.verity.proof.spec.DatasetCatalog;
import dev.verity.proof.spec.OnnxModelBlobs;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.proof.verify.SegmentReplayer;
import dev.verity.tensor.kernel.Parallel;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the cheat library, the dishonest challengers and honest runs through verification and
 * dispute, and reports who was caught where. Every cheat must be caught and lose its dispute;
 * every lying challenger must lose; no honest run may be flagged.
 */
public final class ProofCheck {
    /** One line of the report. */
    public record Row(String name, String kind, boolean pass, String caughtBy, int segment, long step, String op, int link,
                      String ruling, double seconds) {
    }

    /** How a check's task is made: its spec, after putting what the spec names (a model, a dataset) into the case's store. */
    @FunctionalInterface
    public interface TaskSource {
        TaskSpec spec(long seed, BlobStore store) throws IOException;
    }

    private final Path work;
    private final String title;
    private final TaskSource source;

    public ProofCheck(Path work, String dataset, ModelConfig model, int steps, int interval) {
        this(work, model.describe() + " on " + dataset, (seed, store) -> catalogSpec(model, dataset, steps, interval, seed));
    }

    public ProofCheck(Path work, String title, TaskSource source) {
        this.work = work;
        this.title = title;
        this.source = source;
    }

    private static TaskSpec catalogSpec(ModelConfig model, String dataset, int steps, int interval, long seed) throws IOException {
        TaskSpec d = TaskSpec.defaults(model, dataset, TaskRun.datasetRootFor(dataset, model, 16), steps, seed, interval);
        return new TaskSpec(d.model(), d.dataset(), d.datasetRoot(), null, null, d.train().withBatch(16), interval);
    }

    /**
     * An imported model: a PyTorch CNN with two BatchNorm layers (2,794 parameters, exported to ONNX with its initial
     * weights) on 256 Fashion-MNIST images at 14x14, published to the store as a user publishes them, normalised and
     * split by the spec; 20 steps, checkpoint every 5. The model and data ship in this module's resources.
     */
    public static ProofCheck imported(Path work) throws IOException {
        Path files = work.resolve("imported-files");
        Files.createDirectories(files);
        for (String f : new String[] {"model.onnx", "data.npz"}) {
            try (var in = ProofCheck.class.getResourceAsStream("imported/" + f)) {
                if (in == null) {
                    throw new IOException("resource dev/verity/testkit/proof/imported/" + f + " is missing from the build");
                }
                Files.write(files.resolve(f), in.readAllBytes());
            }
        }
        TaskSource src = (seed, store) -> {
            OnnxModelBlobs.Published m = OnnxModelBlobs.put(store, files.resolve("model.onnx"));
            DatasetBlobs.Published d = DatasetBlobs.put(store, files.resolve("data.npz"), false, 10);
            TaskSpec.DataPrep prep = new TaskSpec.DataPrep(d.key(), new float[] {0.286f}, new float[] {0.353f}, 0.125f);
            String root = dev.verity.merkle.Sha256.hex(TaskRun.datasetRootOf(DatasetCatalog.prepare(d.data(), prep)));
            TrainConfig train = TrainConfig.defaults(m.model().name(), 20, seed).withBatch(16);
            return new TaskSpec(m.model(), "fashion-mnist-14px", root, m.parentRoot(), m.parentBlob(), train, 5, prep);
        };
        return new ProofCheck(work, "imported ONNX cnn (2 BatchNorm) on published data", src);
    }

    public String title() {
        return title;
    }

    /** A small fast task: an mlp on 2,000 Fashion-MNIST images, 20 steps, checkpoint every 5. */
    public static ProofCheck small(Path work) {
        return new ProofCheck(work, "fashion-mnist:2000", new ModelConfig.Mlp(new int[] {784, 32, 10}), 20, 5);
    }

    /** The spec of a task that names nothing from a store (a catalog task). */
    public TaskSpec spec(long seed) throws IOException {
        return source.spec(seed, null);
    }

    /** The spec, with what it names put into {@code store}. */
    public TaskSpec spec(long seed, BlobStore store) throws IOException {
        return source.spec(seed, store);
    }

    private LocalBlobStore store(String name) throws IOException {
        return new LocalBlobStore(work.resolve(name));
    }

    public Row cheat(Cheat cheat, long seed) throws IOException {
        long t0 = System.nanoTime();
        LocalBlobStore store = store("cheat-" + cheat.name());
        TaskRun run = TaskRun.open(spec(seed, store), store);
        ProvenTraining.StepFunction fn = cheat.stepFunction(run);
        Manifest m = ProvenTraining.train(run, store, fn, null).manifest();
        m = cheat.publish(run, store, m);
        SegmentReplayer verifier = new SegmentReplayer(run, store, m);
        SegmentReplayer.Verdict v = verifier.checkManifest();
        if (!v.ok()) {
            return new Row(cheat.name(), "cheat", true, "manifest: " + v.check(), -1, -1, "", -1, v.reason(), secs(t0));
        }
        for (int i = 0; i < verifier.segments(); i++) {
            SegmentReplayer.Verdict r = verifier.replay(i);
            if (!r.ok()) {
                Defender defender = new Defender(run, cheat.defenderRun(run), store, m, fn, cheat.defenderLie());
                Dispute.Result d = Dispute.run(run, m, defender, new HonestChallenger(run, store, m), i, null);
                boolean pass = d.ruling().defenderLost();
                return new Row(cheat.name(), "cheat", pass, "replay: " + r.check() + " + dispute", i, d.step() < 0 ? -1 : d.step() + 1, d.op(),
                        d.ruling().link(), d.ruling().round() + ": " + d.ruling().claim()
                        + (d.ruling().basicOp().isEmpty() ? "" : " " + d.ruling().basicOp()) + " — " + d.ruling().reason(),
                        secs(t0));
            }
        }
        return new Row(cheat.name(), "cheat", false, "NOT CAUGHT", -1, -1, "", -1, "every segment replayed clean", secs(t0));
    }

    public Row lyingChallenger(LyingChallenger.Lie lie, long seed) throws IOException {
        long t0 = System.nanoTime();
        LocalBlobStore store = store("honest-vs-" + lie);
        TaskRun run = TaskRun.open(spec(seed, store), store);
        Manifest m = ProvenTraining.train(run, store, ProvenTraining.HONEST, null).manifest();
        ChallengerMoves liar = new LyingChallenger(run, lie);
        Dispute.Result d = Dispute.run(run, m, new Defender(run, store, m, ProvenTraining.HONEST, false), liar, 1, null);
        boolean pass = !d.ruling().defenderLost();
        return new Row("challenger-lies-" + lie.name().toLowerCase(Locale.ROOT), "dishonest challenger", pass,
                "referee", d.segment(), d.step() + 1, d.op(), d.ruling().link(), d.ruling().round() + ": " + d.ruling().claim()
                + " — " + d.ruling().reason(), secs(t0));
    }

    public Row honest(long seed, int threads) throws IOException {
        long t0 = System.nanoTime();
        int saved = Parallel.threads();
        try {
            LocalBlobStore store = store("honest-" + seed + "-" + threads);
            TaskRun run = TaskRun.open(spec(seed, store), store);
            Parallel.setThreads(threads);
            Manifest m = ProvenTraining.train(run, store, ProvenTraining.HONEST, null).manifest();
            // verify with another thread count than the solver used
            Parallel.setThreads(threads == 1 ? 2 : 1);
            SegmentReplayer verifier = new SegmentReplayer(run, store, m);
            SegmentReplayer.Verdict v = verifier.checkManifest();
            String flagged = v.ok() ? null : v.check() + ": " + v.reason();
            for (int i = 0; flagged == null && i < verifier.segments(); i++) {
                SegmentReplayer.Verdict r = verifier.replay(i);
                if (!r.ok()) {
                    flagged = r.reason();
                }
            }
            return new Row("honest seed " + seed + ", " + threads + " thread" + (threads > 1 ? "s" : ""), "honest",
                    flagged == null, flagged == null ? "not flagged" : "FLAGGED", -1, -1, "", -1,
                    flagged == null ? "all " + verifier.segments() + " segments replay bit-exactly" : flagged, secs(t0));
        } finally {
            Parallel.setThreads(saved);
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Everything; prints the table and the summary line; returns the rows. */
    public List<Row> runAll(PrintStream out, int honestSeeds) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Cheat c : Cheats.all()) {
            rows.add(print(out, cheat(c, 1)));
        }
        for (LyingChallenger.Lie lie : LyingChallenger.Lie.values()) {
            rows.add(print(out, lyingChallenger(lie, 2)));
        }
        for (int s = 0; s < honestSeeds; s++) {
            rows.add(print(out, honest(100 + s, 1 + (s % 3 == 2 ? 3 : s % 3))));
        }
        long cheats = rows.stream().filter(r -> !r.kind().equals("honest")).count();
        long caught = rows.stream().filter(r -> !r.kind().equals("honest") && r.pass()).count();
        long honest = rows.stream().filter(r -> r.kind().equals("honest")).count();
        long flagged = rows.stream().filter(r -> r.kind().equals("honest") && !r.pass()).count();
        out.printf("cheats caught: %d/%d, honest runs flagged: %d/%d (%s)%n", caught, cheats, flagged, honest, title);
        return rows;
    }

    public static final String HEADER = String.format("%-30s %-21s %-28s %4s %5s %-20s %5s %7s  %s", "case", "kind", "caught by",
            "seg", "step", "op", "link", "time", "referee ruling");

    private boolean headerPrinted;

    private Row print(PrintStream out, Row r) {
        if (!headerPrinted) {
            out.println(HEADER);
            headerPrinted = true;
        }
        out.printf(Locale.ROOT, "%-30s %-21s %-28s %4s %5s %-20s %5s %6.1fs  %s%s%n", r.name(), r.kind(), r.caughtBy(),
                r.segment() < 0 ? "-" : r.segment(), r.step() < 0 ? "-" : r.step(), r.op().isEmpty() ? "-" : r.op(),
                r.link() < 0 ? "-" : r.link(), r.seconds(), r.pass() ? "" : "FAIL ", r.ruling());
        return r;
    }

    /** Deletes a work directory. */
    public static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            org.apache.commons.io.file.PathUtils.deleteDirectory(dir);
        }
    }
}

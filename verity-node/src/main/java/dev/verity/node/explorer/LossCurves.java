package dev.verity.node.explorer;

import static dev.verity.node.explorer.ExplorerData.row;

import dev.verity.chain.Verity;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.verify.SegmentReplayer;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A task's training loss curve. The loss is an op output of every step the proof commits to, so the
 * explorer gets it the way a verifier does: it replays each segment from the solver's own checkpoint
 * (the blob under the manifest the market holds the hash of, the trace root checked against the
 * committed one) and records each step's loss. A segment whose replay lands bit for bit on the
 * solver's next checkpoint confirms its losses; one that does not is marked, and its losses are what
 * an honest run from that checkpoint gives. Replays run on one background thread, bounded by a work
 * limit, and are kept in the index.
 */
final class LossCurves implements AutoCloseable {
    private final Verity v;
    private final ExplorerDb db;
    private final BlobStore store;
    private final long maxWorkUnits;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "verity-explorer-replay");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param maxWorkUnits the largest task (in work units) the explorer replays; larger ones show no curve
     */
    LossCurves(Verity v, ExplorerDb db, BlobStore store, long maxWorkUnits) {
        this.v = v;
        this.db = db;
        this.store = store;
        this.maxWorkUnits = maxWorkUnits;
    }

    /** The curve of a committed task, or its state ("computing", "skipped", "failed") while there is none; starts the replay once. */
    Map<String, Object> curve(long taskId) {
        List<Map<String, Object>> st = db.query("SELECT state, detail FROM loss_status WHERE task_id = ?", taskId);
        if (st.isEmpty()) {
            // two first requests at once: only the one whose insert lands starts the replay
            if (db.update("INSERT OR IGNORE INTO loss_status(task_id, state, detail) VALUES(?, 'computing', 'replaying the segments')", taskId) == 1) {
                worker.submit(() -> compute(taskId));
            }
            return row("state", "computing", "detail", "replaying the segments from the solver's checkpoints");
        }
        Map<String, Object> m = row("state", st.get(0).get("state"), "detail", st.get(0).get("detail"));
        m.put("segments", db.query("SELECT segment, start_step AS startStep, end_step AS endStep, lands FROM loss_segments WHERE task_id = ?"
                + " ORDER BY segment", taskId));
        m.put("points", db.query("SELECT step, loss, segment FROM losses WHERE task_id = ? ORDER BY step", taskId));
        return m;
    }

    /** Waits until no replay is queued or running (tests and the benchmark). */
    void awaitIdle() throws InterruptedException {
        try {
            worker.submit(() -> { }).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    private void compute(long taskId) {
        String state;
        String detail;
        try {
            detail = replay(taskId);
            state = detail.startsWith("skipped") ? "skipped" : "done";
        } catch (IOException | RuntimeException e) {
            state = "failed";
            detail = String.valueOf(e.getMessage());
        }
        try {
            db.update("UPDATE loss_status SET state = ?, detail = ? WHERE task_id = ?", state, detail, taskId);
        } catch (RuntimeException closed) {
            // the explorer closed while replaying: the next start replays again
        }
    }

    private String replay(long taskId) throws IOException {
        Verity.TaskView t = v.task(taskId);
        if (t.spec().workUnits() > maxWorkUnits) {
            return "skipped: the task is " + t.spec().workUnits() + " work units, more than this explorer replays (" + maxWorkUnits + ")";
        }
        Manifest manifest = Manifest.fromJson(store.get(Sha256.hex(t.manifestHash())));
        String committed = Sha256.hex(t.traceRoot());
        if (!manifest.traceRoot().equals(committed) || !Sha256.hex(manifest.traceTree().root()).equals(committed)) {
            throw new IOException("the manifest under the committed hash does not have the committed trace root " + committed);
        }
        TaskSpec spec = TaskSpec.parse(new String(store.get(Sha256.hex(t.spec().specHash())), StandardCharsets.UTF_8), store);
        TaskRun run = TaskRun.open(spec, store);
        SegmentReplayer replayer = new SegmentReplayer(run, store, manifest);
        int landed = 0;
        for (int i = 0; i < replayer.segments(); i++) {
            landed += segment(taskId, run, replayer, manifest, i) ? 1 : 0;
        }
        return "replayed " + replayer.segments() + " segments from the solver's checkpoints; " + landed + " land on the next checkpoint bit for bit";
    }

    private boolean segment(long taskId, TaskRun run, SegmentReplayer replayer, Manifest manifest, int i) throws IOException {
        TrainingState s = replayer.load(i);
        long from = s.step();
        long until = manifest.checkpoints().get(i + 1).step();
        List<float[]> steps = new ArrayList<>();
        run.trainer().train(s, until, true, (step, loss) -> steps.add(new float[] {step, loss}));
        boolean lands = Sha256.hex(StateCommitment.rootOf(s)).equals(manifest.checkpoints().get(i + 1).stateRoot());
        db.inTransaction(() -> {
            db.update("INSERT OR REPLACE INTO loss_segments(task_id, segment, start_step, end_step, lands) VALUES(?, ?, ?, ?, ?)", taskId, i, from,
                    until, lands ? 1 : 0);
            for (float[] p : steps) {
                db.update("INSERT OR REPLACE INTO losses(task_id, step, loss, segment) VALUES(?, ?, ?, ?)", taskId, (long) p[0], (double) p[1], i);
            }
        });
        return lands;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}

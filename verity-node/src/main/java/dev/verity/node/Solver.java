package dev.verity.node;

import dev.verity.chain.Verity;
import dev.verity.proof.dispute.Defender;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.run.SolverStrategy;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Sells training: sees posted tasks, fetches and checks their spec from the blob store, bids its
 * price when the task fits its capacity and is under the submitter's maximum (lowest bid wins),
 * trains the task it won with checkpoints into the blob store, commits the trace, model and
 * manifest roots, and defends its trace in disputes.
 *
 * <p>Every checkpoint blob it writes is journalled in its local store, so a solver restarted mid
 * task finds the task on chain (assigned to it), loads its last checkpoint and resumes
 * ({@link ProvenTraining#trainFrom}); training is deterministic, so the trace root is the one an
 * uninterrupted run commits.
 */
public final class Solver implements Role {
    /** Price per work unit, capacity (work units in flight and concurrent tasks) and stake. */
    public record Config(String name, String account, BigInteger pricePerUnit, long capacityWorkUnits, int maxConcurrentTasks,
                         BigInteger stake) {
        public Config {
            Accounts.check("solver account", account);
            if (pricePerUnit == null || pricePerUnit.signum() <= 0) {
                throw new IllegalArgumentException("solver: pricePerUnit must be positive");
            }
            if (capacityWorkUnits < 1 || maxConcurrentTasks < 1) {
                throw new IllegalArgumentException("solver: capacityWorkUnits and maxConcurrentTasks must be at least 1");
            }
            if (stake == null || stake.signum() < 0) {
                throw new IllegalArgumentException("solver: stake must be non-negative");
            }
        }
    }

    /** Progress of training: task, steps done, steps in all. Throwing from it aborts training (as a crash would). */
    @FunctionalInterface
    public interface Progress {
        void onStep(long taskId, long step, long steps);
    }

    private final Config cfg;
    private final Verity v;
    private final BlobStore store;
    private final Path home;
    private final Consumer<String> log;
    private final SolverStrategy strategy;
    private final ChainEvents events;
    private final TreeSet<Long> tasks = new TreeSet<>();
    private final Map<Long, String> rejected = new HashMap<>();
    private final Map<Long, TaskRun> runs = new HashMap<>();
    private final TreeSet<Long> disputes = new TreeSet<>();
    private final Map<Long, DisputeParty.DefenderSide> defenses = new HashMap<>();
    private Progress progress;

    /** An honest solver. */
    public Solver(Config cfg, Verity v, BlobStore store, Path home, Consumer<String> log) throws IOException {
        this(cfg, v, store, home, log, null);
    }

    /**
     * A solver that trains with {@code strategy} ({@link SolverStrategy#HONEST} if null; the tests and the demo hand it
     * one of verity-testkit's cheats).
     */
    public Solver(Config cfg, Verity v, BlobStore store, Path home, Consumer<String> log, SolverStrategy strategy) throws IOException {
        this.cfg = cfg;
        this.v = v;
        this.store = store;
        this.home = Files.createDirectories(home);
        this.log = log;
        this.strategy = strategy == null ? SolverStrategy.HONEST : strategy;
        this.events = new ChainEvents(v);
    }

    public Solver onProgress(Progress p) {
        this.progress = p;
        return this;
    }

    @Override
    public String name() {
        return cfg.name();
    }

    @Override
    public String account() {
        return cfg.account();
    }

    public Config config() {
        return cfg;
    }

    @Override
    public void join() {
        v.approve(cfg.account(), v.staking, Accounts.UNLIMITED);
        v.approve(cfg.account(), v.market, Accounts.UNLIMITED);
        BigInteger have = v.staked(cfg.account());
        if (have.compareTo(cfg.stake()) < 0) {
            v.stake(cfg.account(), cfg.stake().subtract(have));
        }
    }

    @Override
    public boolean tick() throws IOException {
        for (ChainEvents.Event e : events.poll()) {
            switch (e.name()) {
                case "TaskPosted" -> tasks.add(e.topicLong(1));
                case "DisputeOpened" -> {
                    if (e.wordAddress(0).equals(cfg.account())) {
                        disputes.add(e.topicLong(1));
                    }
                }
                default -> {
                }
            }
        }
        boolean acted = false;
        for (Long id : new TreeSet<>(tasks)) {
            acted |= advance(id);
        }
        for (Long d : new TreeSet<>(disputes)) {
            acted |= defend(d);
        }
        return acted;
    }

    private boolean advance(long id) throws IOException {
        Verity.TaskView t = v.task(id);
        boolean mine = t.solver().equalsIgnoreCase(cfg.account());
        switch (t.status()) {
            case BIDDING -> {
                long now = v.chain.timestamp();
                if (now > t.deadline()) {
                    if (mine) {
                        v.closeAuction(cfg.account(), id);
                        log.accept(name() + " closes the auction of task " + id + " it leads");
                        return true;
                    }
                    return false;
                }
                if (mine || (!Submitter.isZero(t.solver()) && t.bestPrice().compareTo(cfg.pricePerUnit()) <= 0) || rejected.containsKey(id)) {
                    return false;
                }
                String why = evaluate(id, t);
                if (why != null) {
                    rejected.put(id, why);
                    log.accept(name() + " does not bid on task " + id + ": " + why);
                    return false;
                }
                try {
                    v.bid(cfg.account(), id, cfg.pricePerUnit());
                } catch (dev.verity.chain.Chain.RevertException e) {
                    // another solver's lower bid landed first (solvers in other processes bid at once): not an error
                    if (!"BidNotLowerThanBest()".equals(e.reason())) {
                        throw e;
                    }
                    log.accept(name() + " is outbid on task " + id + " before its bid lands");
                    return false;
                }
                log.accept(name() + " bids " + Accounts.tokens(cfg.pricePerUnit()) + "/unit on task " + id
                        + (Submitter.isZero(t.solver()) ? "" : " (under " + Accounts.short_(t.solver()) + "'s " + Accounts.tokens(t.bestPrice()) + ")"));
                return true;
            }
            case ASSIGNED -> {
                if (mine && v.chain.timestamp() <= t.deadline()) {
                    trainAndCommit(id, t);
                    return true;
                }
            }
            case SETTLED, FAILED, CANCELLED -> tasks.remove(id);
            default -> {
                if (!mine) {
                    tasks.remove(id);
                }
            }
        }
        return false;
    }

    /** Null if this solver will take the task at its price; else why not. */
    private String evaluate(long id, Verity.TaskView t) {
        dev.verity.chain.PostParams c = t.spec();
        if (cfg.pricePerUnit().compareTo(c.maxPricePerUnit()) > 0) {
            return "its price " + Accounts.tokens(cfg.pricePerUnit()) + "/unit is above the maximum " + Accounts.tokens(c.maxPricePerUnit());
        }
        long inFlight = 0;
        int count = 0;
        for (Long other : tasks) {
            if (other == id) {
                continue;
            }
            Verity.TaskView o = v.task(other);
            if (o.solver().equalsIgnoreCase(cfg.account()) && (o.status() == Verity.Status.BIDDING || o.status() == Verity.Status.ASSIGNED)) {
                inFlight += o.spec().workUnits();
                count++;
            }
        }
        if (count >= cfg.maxConcurrentTasks() || inFlight + c.workUnits() > cfg.capacityWorkUnits()) {
            return "no capacity (" + count + " tasks, " + inFlight + " work units in flight; the task needs " + c.workUnits() + ")";
        }
        BigInteger free = v.staked(cfg.account()).subtract(v.locked(cfg.account()));
        if (free.compareTo(c.solverStake()) < 0) {
            return "its free stake " + Accounts.tokens(free) + " is below the task's " + Accounts.tokens(c.solverStake());
        }
        try {
            TaskRun run = run(id, t);
            if (!Arrays.equals(run.graphRoot(), c.graphRoot()) || run.graph().size() != c.graphOps()) {
                return "the posted graph root is not the spec's";
            }
            if (!Arrays.equals(run.datasetRoot(), c.datasetRoot())) {
                return "the posted dataset root is not the spec's";
            }
            if (!Arrays.equals(run.initRoot(store), c.initRoot())) {
                // the game holds the trace's checkpoint 0 to the posted init root, and an init claim slashes a solver that
                // trained from one the graph does not prescribe
                return "the posted init root is not the spec's checkpoint 0";
            }
            if (run.spec().train().steps() != c.totalSteps() || run.spec().checkpointInterval() != c.checkpointInterval()) {
                return "the posted steps or checkpoint interval are not the spec's";
            }
            if (run.workUnits() != c.workUnits()) {
                return "the posted work units (" + c.workUnits() + ") are not the spec's (" + run.workUnits() + ")";
            }
            byte[] parent = run.spec().parentRoot() == null ? new byte[32] : Sha256.unhex(run.spec().parentRoot());
            if (!Arrays.equals(parent, c.parentModel())) {
                return "the posted parent model is not the spec's";
            }
        } catch (IOException | IllegalArgumentException e) {
            return "its spec cannot be used: " + e.getMessage();
        }
        return null;
    }

    /** The task's run, from the spec in the blob store under the on-chain spec hash. */
    private TaskRun run(long id, Verity.TaskView t) throws IOException {
        TaskRun r = runs.get(id);
        if (r == null) {
            String key = Sha256.hex(t.spec().specHash());
            TaskSpec spec = TaskSpec.parse(new String(store.get(key), StandardCharsets.UTF_8), store);
            if (!spec.hashHex().equals(key)) {
                throw new IllegalArgumentException("the spec blob is not in canonical form (its canonical hash is " + spec.hashHex() + ")");
            }
            r = TaskRun.open(spec, store);
            runs.put(id, r);
        }
        return r;
    }

    private ProvenTraining.StepFunction stepFunction(TaskRun run) throws IOException {
        return strategy.stepFunction(run);
    }

    private void trainAndCommit(long id, Verity.TaskView t) throws IOException {
        TaskRun run = run(id, t);
        Path journal = home.resolve("task-" + id + ".journal");
        List<Manifest.Checkpoint> done = resumePoint(run, journal, endsJournal(id));
        TrainingState state;
        if (done.isEmpty()) {
            state = run.initialState(store);
            log.accept(name() + " trains task " + id + " (" + run.spec().train().steps() + " steps" + (strategy.honest() ? "" : ", cheating: " + strategy.description()) + ")");
        } else {
            Manifest.Checkpoint last = done.get(done.size() - 1);
            state = TrainingState.fromBytes(store.get(last.blob()), "checkpoint at step " + last.step(), run.identity());
            log.accept(name() + " resumes task " + id + " from its checkpoint at step " + last.step());
        }
        BlobStore journalled = new JournalledStore(store, journal);
        long steps = run.spec().train().steps();
        Path ends = endsJournal(id);
        ProvenTraining.Result res = ProvenTraining.trainFrom(run, journalled, state, done, stepFunction(run), new ProvenTraining.Progress() {
            @Override
            public void onStep(long s, long proofNanos) {
                if (progress != null) {
                    progress.onStep(id, s, steps);
                }
            }

            @Override
            public void onCheckpoint(Manifest.Checkpoint c) throws IOException {
                // a state blob does not hold the op-trace root of the step that produced it: journal it to resume
                Files.writeString(ends, c.blob() + " " + c.endOpTraceRoot() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        });
        Manifest m = res.manifest();
        if (!strategy.honest() && store instanceof LocalBlobStore local) {
            m = strategy.publish(run, local, m);
        }
        String manifestKey = store.put(m.toJson());
        v.commit(cfg.account(), id, Sha256.unhex(m.traceRoot()), Sha256.unhex(m.modelRoot()), Sha256.unhex(manifestKey), ReplayProofs.ends(m));
        log.accept(name() + " commits task " + id + ": trace root " + m.traceRoot().substring(0, 16) + "…, model root "
                + m.modelRoot().substring(0, 16) + "…, " + m.checkpoints().size() + " checkpoints in the blob store");
    }

    private Path endsJournal(long id) {
        return home.resolve("task-" + id + ".ends");
    }

    /** The checkpoints already stored for this task (from the journal), in order from step 0; empty to start afresh. */
    private List<Manifest.Checkpoint> resumePoint(TaskRun run, Path journal, Path ends) throws IOException {
        if (!Files.exists(journal)) {
            return List.of();
        }
        TreeMap<Long, Manifest.Checkpoint> byStep = new TreeMap<>();
        Map<String, String> endRoots = new HashMap<>();
        if (Files.exists(ends)) {
            for (String line : Files.readAllLines(ends)) {
                String[] kv = line.strip().split(" ");
                if (kv.length == 2) endRoots.put(kv[0], kv[1]);
            }
        }
        for (String key : Files.readAllLines(journal)) {
            if (key.isBlank() || !store.has(key.strip())) {
                continue;
            }
            try {
                TrainingState s = TrainingState.fromBytes(store.get(key.strip()), "journalled blob", run.identity());
                String endRoot = s.step() == 0 ? "" : endRoots.get(key.strip());
                if (endRoot == null) {
                    continue; // its op-trace root was not journalled: the segment is trained again
                }
                byStep.put(s.step(), new Manifest.Checkpoint(s.step(), Sha256.hex(dev.verity.proof.commit.StateCommitment.rootOf(s)), key.strip(),
                        endRoot));
            } catch (IOException | IllegalArgumentException notAState) {
                // the final model or a blob of another kind: not a checkpoint
            }
        }
        List<Manifest.Checkpoint> out = new ArrayList<>();
        for (int i = 0; i <= run.spec().segments(); i++) {
            Manifest.Checkpoint c = byStep.get(run.spec().checkpointStep(i));
            if (c == null) {
                break;
            }
            out.add(c);
        }
        if (!out.isEmpty() && out.get(out.size() - 1).step() == run.spec().train().steps()) {
            out.remove(out.size() - 1); // finished but not committed: retrain the last segment so the result is rebuilt
        }
        return out;
    }

    private boolean defend(long dispute) throws IOException {
        DisputeParty.DefenderSide side = defenses.get(dispute);
        if (side == null) {
            ChainEvents.Event opened = ChainEvents.last(v, v.game, "DisputeOpened", dispute);
            long taskId = opened.topicLong(2);
            Verity.TaskView t = v.task(taskId);
            TaskRun run = run(taskId, t);
            Manifest m = Manifest.fromJson(store.get(Sha256.hex(t.manifestHash())));
            ProvenTraining.StepFunction fn = stepFunction(run);
            Defender d = new Defender(run, strategy.defenderRun(run), store, m, fn, !strategy.honest());
            side = new DisputeParty.DefenderSide(v, cfg.account(), store, run, m, dispute, d);
            defenses.put(dispute, side);
        }
        if (v.dispute(dispute).nextRound() == 0) {
            disputes.remove(dispute);
            return false;
        }
        int round = v.dispute(dispute).nextRound();
        boolean moved = side.step();
        if (moved) {
            log.accept("  round " + round + " " + name() + " (defender): " + side.lastHow);
        } else if (side.stuck() != null && !side.reportedStuck) {
            side.reportedStuck = true;
            log.accept("  " + name() + " (defender) cannot answer at " + side.stuck());
        }
        return moved;
    }

    /** Passes everything through and appends each stored key to the journal (so checkpoints survive a crash). */
    private static final class JournalledStore implements BlobStore {
        private final BlobStore inner;
        private final Path journal;

        JournalledStore(BlobStore inner, Path journal) {
            this.inner = inner;
            this.journal = journal;
        }

        @Override
        public String put(byte[] bytes) throws IOException {
            String key = inner.put(bytes);
            Files.writeString(journal, key + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return key;
        }

        @Override
        public byte[] get(String key) throws IOException {
            return inner.get(key);
        }

        @Override
        public boolean has(String key) throws IOException {
            return inner.has(key);
        }
    }
}

package dev.verity.node.daemon;

import dev.verity.chain.Deployment;
import dev.verity.chain.RpcChain;
import dev.verity.chain.Verity;
import dev.verity.node.ChainEvents;
import dev.verity.node.Challenger;
import dev.verity.node.Role;
import dev.verity.node.Solver;
import dev.verity.node.Submitter;
import dev.verity.node.Verifier;
import dev.verity.node.blob.BlobStores;
import dev.verity.proof.run.SolverStrategy;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.AtomicFiles;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.web3j.crypto.Credentials;

/**
 * One protocol role as a long-running process ({@code verity node}): attaches to the chain over
 * JSON-RPC with the node's own key, opens the blob store, builds the role, joins (approve, stake,
 * register; retried until it succeeds), then ticks it in a loop until stopped. A tick that throws
 * is logged and retried after a back-off, never fatal: a node outlives a chain node restart, a
 * blob server hiccup or a bug in one task. Everything it needs to resume after a crash is on the
 * chain or in its home directory (the roles are built that way), so a restarted daemon simply
 * starts again.
 *
 * <p>It serves its status over HTTP ({@link StatusServer}) and logs one JSON object per line
 * ({@link JsonLog}).
 */
public final class NodeDaemon implements AutoCloseable {
    /** Thrown from the training progress callback when the daemon is asked to stop: training ends as it would in a crash. */
    static final class Stopping extends RuntimeException {
        Stopping() {
            super("node is stopping", null, false, false);
        }
    }

    private static final long MAX_BACKOFF_MS = 10_000;

    private final NodeConfig cfg;
    private final JsonLog log;
    private final RpcChain chain;
    private final Verity v;
    private final BlobStore store;
    private final Role role;
    private final String account;
    private final StatusServer http;
    private final Instant started = Instant.now();
    /** Counted down by stop(): wakes the loop from its pause between ticks. */
    private final CountDownLatch wake = new CountDownLatch(1);
    /** Counted down when the loop has ended. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Map<Long, long[]> training = new ConcurrentHashMap<>();
    private final TaskWatch watch;

    private volatile boolean stopping;
    private volatile boolean joined;
    private volatile boolean inTick;
    private volatile long ticks;
    private volatile long failedTicks;
    private volatile int failingInARow;
    private volatile String lastTickTime;
    private volatile long lastTickBlock = -1;
    private volatile boolean lastTickActed;
    private volatile Long idleAtBlock;
    private volatile String lastError;
    private volatile String lastErrorTime;
    private volatile String tokens = "0";
    private volatile String staked = "0";
    private volatile String locked = "0";
    private volatile List<NodeStatus.TaskState> tasks = List.of();
    private long balancesReadAt;

    private NodeDaemon(NodeConfig cfg, PrintStream out) throws Exception {
        this.cfg = cfg;
        this.log = new JsonLog(out, cfg.name(), cfg.role());
        Credentials key = cfg.credentials();
        this.account = key.getAddress().toLowerCase(java.util.Locale.ROOT);
        Deployment d = Deployment.read(Path.of(cfg.deployment()));
        cfg.names().forEach((a, n) -> dev.verity.node.Accounts.name(a, n));
        this.chain = connect(cfg.rpc(), key);
        boolean ok = false;
        BlobStore opened = null;
        StatusServer server = null;
        try {
            this.v = Verity.attach(chain, d);
            opened = BlobStores.open(cfg.blobStore());
            this.store = opened;
            Files.createDirectories(cfg.homeDir());
            this.role = buildRole(log::story);
            this.watch = new TaskWatch(v, account);
            server = new StatusServer(cfg.statusHost(), cfg.statusPort(), this::status, this::health);
            this.http = server;
            if (cfg.portFile() != null) {
                AtomicFiles.write(Path.of(cfg.portFile()), (server.port() + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            ok = true;
        } finally {
            if (!ok) {
                if (server != null) {
                    server.close();
                }
                if (opened != null) {
                    BlobStores.close(opened);
                }
                chain.close();
            }
        }
    }

    /** Reads nothing from the network yet; the chain must answer eth_chainId within a bounded wait. */
    private static RpcChain connect(String url, Credentials key) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return new RpcChain(url, List.of(key));
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot reach the chain at " + url + ": " + e.getMessage(), e);
                }
                Thread.sleep(500);
            }
        }
    }

    /** Attaches, builds the role and starts the status API; {@link #run} then joins and loops. */
    public static NodeDaemon open(NodeConfig cfg, PrintStream out) throws Exception {
        return new NodeDaemon(cfg, out);
    }

    private Role buildRole(Consumer<String> story) throws IOException {
        Path home = cfg.homeDir();
        return switch (cfg.role()) {
            case "solver" -> {
                NodeConfig.SolverParams p = cfg.solver();
                BigInteger stake = NodeConfig.tokens("solver.stake", p.stake(), false);
                Solver.Config c = new Solver.Config(cfg.name(), account, cfg.solverPrice(), p.capacityWorkUnits(), p.maxConcurrentTasks(),
                        stake == null ? BigInteger.ZERO : stake);
                SolverStrategy strategy = p.strategy() == null ? SolverStrategy.HONEST : NodeConfig.strategyNamed(p.strategy());
                if (!strategy.honest() && !(store instanceof LocalBlobStore) && tampersWithPublished(strategy)) {
                    throw new IllegalArgumentException("node config: solver.strategy '" + strategy.name()
                            + "' tampers with published blobs, which needs a local-disk blob store");
                }
                Solver s = new Solver(c, v, store, home, story, strategy);
                yield s.onProgress(this::onProgress);
            }
            case "verifier" -> {
                NodeConfig.VerifierParams p = cfg.verifier();
                yield new Verifier(new Verifier.Config(cfg.name(), account, NodeConfig.tokens("verifier.stake", p.stake(), true), p.auditAll()), v,
                        store, story);
            }
            case "submitter" -> {
                NodeConfig.SubmitterParams p = cfg.submitter();
                BigInteger fee = NodeConfig.tokens("submitter.replayFee", p.replayFee(), false);
                BigInteger stake = NodeConfig.tokens("submitter.solverStake", p.solverStake(), false);
                Submitter.Config c = new Submitter.Config(cfg.name(), account, NodeConfig.tokens("submitter.maxPricePerUnit", p.maxPricePerUnit(), true),
                        fee == null ? BigInteger.ZERO : fee, stake == null ? BigInteger.ZERO : stake, p.numVerifiers(), p.bidWindow(), p.commitWindow(),
                        p.revealWindow(), p.verifyWindow());
                List<TaskSpec> specs = new ArrayList<>();
                for (String f : p.tasks()) {
                    try {
                        specs.add(TaskSpec.parse(Files.readString(Path.of(f)), store));
                    } catch (java.nio.file.NoSuchFileException e) {
                        throw new IllegalArgumentException("node config: submitter task spec " + f + " does not exist");
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("node config: submitter task spec " + f + ": " + e.getMessage(), e);
                    }
                }
                yield new SubmitterNode(new Submitter(c, v, store, home, story), v, specs);
            }
            default -> new ChallengerNode(new Challenger(new Challenger.Config(cfg.name(), account), v, store, story), v, store, story,
                    cfg.challenger().auditAll());
        };
    }

    private static boolean tampersWithPublished(SolverStrategy strategy) {
        try {
            return strategy.getClass().getMethod("publish", dev.verity.proof.spec.TaskRun.class, LocalBlobStore.class,
                    dev.verity.proof.run.Manifest.class).getDeclaringClass() != SolverStrategy.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }

    private long lastLoggedStep = -1;

    private void onProgress(long taskId, long step, long steps) {
        training.put(taskId, new long[] {step, steps});
        if (stopping) {
            throw new Stopping();
        }
        // a progress line every tenth of the run, not every step
        if (steps > 0 && (step == steps || step * 10 / steps != (step - 1) * 10 / steps) && step != lastLoggedStep) {
            lastLoggedStep = step;
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("taskId", taskId);
            f.put("step", step);
            f.put("steps", steps);
            log.info("training-progress", name() + " trained task " + taskId + " to step " + step + " of " + steps, f);
        }
    }

    public String name() {
        return cfg.name();
    }

    public String account() {
        return account;
    }

    public int statusPort() {
        return http.port();
    }

    /** Joins, then ticks until {@link #stop}; returns when the loop has ended. */
    public void run() {
        try {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("account", account);
            f.put("statusPort", http.port());
            f.put("pid", ProcessHandle.current().pid());
            f.put("chainId", chain.chainId());
            log.info("started", name() + " (" + cfg.role() + ", " + account + ") attached to " + cfg.rpc() + ", status on http://" + cfg.statusHost()
                    + ":" + http.port() + "/status", f);
            joinWithRetry();
            while (!stopping) {
                boolean acted = tickOnce();
                if (!acted && !stopping) {
                    long wait = failingInARow == 0 ? cfg.pollMillis() : Math.min(MAX_BACKOFF_MS, (long) cfg.pollMillis() << Math.min(10, failingInARow));
                    sleep(wait);
                }
            }
        } finally {
            log.info("stopped", name() + " stopped after " + ticks + " ticks", null);
            stopped.countDown();
        }
    }

    private void joinWithRetry() {
        int attempt = 0;
        while (!stopping) {
            try {
                role.join();
                joined = true;
                refreshBalances(true);
                log.info("joined", name() + " joined: staked " + staked + " VRT, holds " + tokens + " VRT", null);
                return;
            } catch (RuntimeException e) {
                attempt++;
                recordError("join-failed", e);
                sleep(Math.min(MAX_BACKOFF_MS, (long) cfg.pollMillis() << Math.min(10, attempt)));
            }
        }
    }

    /** One tick; true if the role acted. Never throws: a failing tick is logged and counted. */
    boolean tickOnce() {
        inTick = true;
        idleAtBlock = null;
        long block = -1;
        boolean acted = false;
        try {
            block = chain.blockNumber();
            acted = role.tick();
            watch.refresh();
            refreshBalances(acted);
            failingInARow = 0;
            lastTickActed = acted;
            lastTickBlock = block;
            idleAtBlock = acted ? null : block;
        } catch (Stopping s) {
            lastTickActed = false;
        } catch (Exception | StackOverflowError e) {
            failedTicks++;
            failingInARow++;
            lastTickActed = false;
            lastTickBlock = block;
            recordError("tick-failed", e);
        } finally {
            tasks = watch.snapshot();
            training.clear(); // a training run ends with its tick (committed, crashed or stopped)
            lastTickTime = Instant.now().toString();
            ticks++;
            inTick = false;
        }
        return acted;
    }

    private void recordError(String event, Throwable e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        lastError = msg;
        lastErrorTime = Instant.now().toString();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("error", e.getClass().getName());
        f.put("failedInARow", failingInARow);
        log.error(event, name() + ": " + msg + " (retrying)", f);
    }

    private void refreshBalances(boolean force) {
        long now = System.nanoTime();
        if (!force && now - balancesReadAt < TimeUnit.SECONDS.toNanos(5)) {
            return;
        }
        balancesReadAt = now;
        tokens = vty(v.balanceOf(account));
        staked = vty(v.staked(account));
        locked = vty(v.locked(account));
    }

    static String vty(BigInteger wei) {
        return new BigDecimal(wei).movePointLeft(18).stripTrailingZeros().toPlainString();
    }

    private void sleep(long ms) {
        try {
            wake.await(ms, TimeUnit.MILLISECONDS); // returns at once if the node is stopping
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    public NodeStatus status() {
        boolean busy = inTick;
        Long idle = busy ? null : idleAtBlock;
        // The task list is refreshed after each tick, so while a tick trains it still shows the task as it
        // was before (e.g. BIDDING); a task being trained is ASSIGNED to this solver, with its live step.
        Map<Long, long[]> now = new TreeMap<>(training);
        List<NodeStatus.TaskState> live = new ArrayList<>();
        for (NodeStatus.TaskState t : tasks) {
            long[] p = now.remove(t.id());
            live.add(p == null ? t : new NodeStatus.TaskState(t.id(), "ASSIGNED", List.of("solver"), p[0], p[1]));
        }
        now.forEach((id, p) -> live.add(new NodeStatus.TaskState(id, "ASSIGNED", List.of("solver"), p[0], p[1])));
        return new NodeStatus(cfg.role(), name(), account, ProcessHandle.current().pid(), started.toString(), joined, tokens, staked, locked, ticks,
                failedTicks, busy, lastTickTime, lastTickBlock, lastTickActed, idle, lastError, lastErrorTime, stopping, live);
    }

    private Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", stopping ? "stopping" : !joined ? "starting" : failingInARow >= 3 ? "failing" : "ok");
        h.put("name", name());
        h.put("ticks", ticks);
        if (failingInARow > 0) {
            h.put("lastError", lastError);
        }
        return h;
    }

    /** Asks the loop to end (a training run in progress stops at its next step); returns at once. */
    public void stop() {
        if (!stopping) {
            stopping = true;
            log.info("stopping", name() + " is stopping", null);
        }
        wake.countDown();
    }

    /** Waits for the loop to end. */
    public boolean awaitStopped(long ms) throws InterruptedException {
        return stopped.await(ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        stop();
        http.close();
        BlobStores.close(store);
        chain.close();
    }

    /**
     * The tasks this node takes part in, read from the chain: every posted task is looked at until
     * it is final; the node's parts are read from the task (submitter, solver), its verifier draw
     * and the disputes opened by it. Runs on the loop's thread, after each tick.
     */
    static final class TaskWatch {
        private static final int KEEP = 50;
        private final Verity v;
        private final String me;
        private final ChainEvents events;
        private final TreeMap<Long, NodeStatus.TaskState> known = new TreeMap<>();
        private final java.util.Set<Long> challenged = new java.util.HashSet<>();
        private final java.util.Set<Long> finals = new java.util.HashSet<>();

        TaskWatch(Verity v, String me) {
            this.v = v;
            this.me = me;
            this.events = new ChainEvents(v);
        }

        void refresh() {
            for (ChainEvents.Event e : events.poll()) {
                if (e.name().equals("TaskPosted")) {
                    known.putIfAbsent(e.topicLong(1), new NodeStatus.TaskState(e.topicLong(1), "BIDDING", List.of(), null, null));
                } else if (e.name().equals("DisputeOpened") && e.topicAddress(3).equals(me)) {
                    challenged.add(e.topicLong(2));
                }
            }
            for (var e : known.entrySet()) {
                if (finals.contains(e.getKey())) {
                    continue; // nothing changes any more
                }
                Verity.TaskView t = v.task(e.getKey());
                List<String> parts = new ArrayList<>();
                if (t.submitter().equalsIgnoreCase(me)) {
                    parts.add("submitter");
                }
                if (!isZero(t.solver()) && t.solver().equalsIgnoreCase(me)) {
                    parts.add("solver");
                }
                if (t.assigned()) {
                    for (Verity.Assignment a : v.assignments(e.getKey())) {
                        if (a.verifier().equalsIgnoreCase(me)) {
                            parts.add(a.attested() ? "verifier (attested segment " + a.segment() + ")" : "verifier (segment " + a.segment() + ")");
                        }
                    }
                }
                if (challenged.contains(e.getKey())) {
                    parts.add("challenger");
                }
                e.setValue(new NodeStatus.TaskState(e.getKey(), t.status().name(), List.copyOf(parts), null, null));
                if (SubmitterNode.isFinal(t)) {
                    finals.add(e.getKey());
                }
            }
            while (known.size() > KEEP) {
                finals.remove(known.pollFirstEntry().getKey());
            }
        }

        List<NodeStatus.TaskState> snapshot() {
            List<NodeStatus.TaskState> out = new ArrayList<>();
            for (NodeStatus.TaskState t : known.values()) {
                if (!t.parts().isEmpty()) {
                    out.add(t);
                }
            }
            return List.copyOf(out);
        }
    }

    static boolean isZero(String address) {
        return address == null || address.replace("0x", "").chars().allMatch(c -> c == '0');
    }
}

package dev.verity.node;

import dev.verity.chain.Chain;
import dev.verity.chain.Verity;
import dev.verity.merkle.Sha256;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.BlobStore;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Posts training tasks and sees them through: stores the spec in the blob store under its own hash
 * (so the on-chain specHash is the blob key a solver fetches), posts with a seed commitment,
 * closes the auction, reveals the secret after the solver committed, and settles after the
 * verification window. The secret is kept in the node's local store (by its commitment) before the
 * post, so a restarted submitter can still reveal it.
 */
public final class Submitter implements Role {
    /** What this submitter offers per task. */
    public record Config(String name, String account, BigInteger maxPricePerUnit, BigInteger replayFee, BigInteger solverStake,
                         int numVerifiers, long bidWindow, long commitWindow, long revealWindow, long verifyWindow) {
        public Config {
            Accounts.check("submitter account", account);
            if (maxPricePerUnit == null || maxPricePerUnit.signum() <= 0) {
                throw new IllegalArgumentException("submitter: maxPricePerUnit must be positive");
            }
            if (replayFee == null || replayFee.signum() < 0 || solverStake == null || solverStake.signum() < 0) {
                throw new IllegalArgumentException("submitter: replayFee and solverStake must be non-negative");
            }
            if (numVerifiers < 1 || numVerifiers > 16) {
                throw new IllegalArgumentException("submitter: numVerifiers must be in [1, 16], got " + numVerifiers);
            }
            if (bidWindow < 1 || commitWindow < 1 || revealWindow < 1 || verifyWindow < 1) {
                throw new IllegalArgumentException("submitter: every window must be at least 1 second");
            }
        }
    }

    private final Config cfg;
    private final Verity v;
    private final BlobStore store;
    private final Path home;
    private final Consumer<String> log;
    private final ChainEvents events;
    private final TreeSet<Long> open = new TreeSet<>();

    public Submitter(Config cfg, Verity v, BlobStore store, Path home, Consumer<String> log) throws IOException {
        this.cfg = cfg;
        this.v = v;
        this.store = store;
        this.home = Files.createDirectories(home);
        this.log = log;
        this.events = new ChainEvents(v);
    }

    @Override
    public String name() {
        return cfg.name();
    }

    @Override
    public String account() {
        return cfg.account();
    }

    @Override
    public void join() {
        v.approve(cfg.account(), v.market, Accounts.UNLIMITED);
    }

    /** Stores the spec, posts the task with escrow and a seed commitment; returns the task id. */
    public long post(TaskSpec spec) throws IOException {
        TaskRun run = TaskRun.open(spec, store);
        String key = store.put(spec.canonicalBytes());
        if (!key.equals(spec.hashHex())) {
            throw new IllegalStateException("the spec's blob key " + key + " is not its hash " + spec.hashHex());
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        byte[] commit = dev.verity.chain.PostParams.seedCommitment(secret);
        Files.write(home.resolve("secret-" + Sha256.hex(commit)), secret);
        // the market's floors come from the task's measured work: a replay fee that pays one segment's replay at the price,
        // a stake that covers the pay, windows that fit the work (docs/incentives.md); a configured value below one is raised
        // to it
        TaskQuote q = TaskQuote.of(run, cfg.maxPricePerUnit(), cfg.numVerifiers(), v.rules());
        dev.verity.chain.PostParams onChain = dev.verity.chain.PostParams.builder().specHash(spec.hash()).datasetRoot(run.datasetRoot())
                .graph(run.graphRoot(), run.graph().size()).parentModel(spec.parentRoot() == null ? null : Sha256.unhex(spec.parentRoot()))
                .initRoot(run.initRoot(store)).seedCommit(commit).shape(spec.train().steps(), spec.checkpointInterval(), run.workUnits())
                .pricing(cfg.maxPricePerUnit(), q.atLeastReplayFloor(cfg.replayFee()), q.atLeastStakeFloor(cfg.solverStake()))
                .verifiers(cfg.numVerifiers())
                .windows(Math.max(cfg.bidWindow(), TaskQuote.MIN_WINDOW), Math.max(cfg.commitWindow(), q.commitWindowFloor()),
                        Math.max(cfg.revealWindow(), TaskQuote.MIN_WINDOW), Math.max(cfg.verifyWindow(), q.verifyWindowFloor()))
                .build();
        long id = v.post(cfg.account(), onChain);
        open.add(id);
        log.accept(String.format(Locale.ROOT, "%s posts task %d: %s, %d steps, checkpoint every %d, %,d work units, max price %s/unit, escrow %s",
                name(), id, spec.model().describe(), spec.train().steps(), spec.checkpointInterval(), run.workUnits(),
                Accounts.tokens(cfg.maxPricePerUnit()), Accounts.tokens(v.task(id).escrow())));
        return id;
    }

    @Override
    public boolean tick() throws IOException {
        for (ChainEvents.Event e : events.poll()) {
            if (e.name().equals("TaskPosted") && e.topicAddress(2).equals(cfg.account())) {
                open.add(e.topicLong(1));
            }
        }
        boolean acted = false;
        for (Long id : new TreeSet<>(open)) {
            acted |= advance(id);
        }
        return acted;
    }

    private boolean advance(long id) throws IOException {
        Verity.TaskView t = v.task(id);
        long now = v.chain.timestamp();
        switch (t.status()) {
            case BIDDING -> {
                if (now > t.deadline()) {
                    try {
                        v.closeAuction(cfg.account(), id);
                    } catch (Chain.RevertException e) {
                        // anyone may close an auction: the leading solver's close landed first (nodes in other processes act at once)
                        if (!"NotInBidding()".equals(e.reason())) {
                            throw e;
                        }
                        log.accept(name() + ": the auction of task " + id + " was closed by another party first");
                        return false;
                    }
                    Verity.TaskView after = v.task(id);
                    log.accept(after.status() == Verity.Status.CANCELLED ? name() + " closes the auction of task " + id + ": no bid, escrow refunded"
                            : name() + " closes the auction of task " + id + ": " + Accounts.short_(after.solver()) + " wins at "
                            + Accounts.tokens(after.bestPrice()) + "/unit");
                    return true;
                }
            }
            case ASSIGNED -> {
                if (now > t.deadline()) {
                    v.timeoutCommit(cfg.account(), id);
                    log.accept(name() + ": the solver of task " + id + " missed its commit deadline; its stake is slashed to the treasury");
                    return true;
                }
            }
            case COMMITTED -> {
                if (!t.assigned()) {
                    if (now <= t.deadline()) {
                        Path f = home.resolve("secret-" + Sha256.hex(t.spec().seedCommit()));
                        if (!Files.exists(f)) {
                            throw new IOException("the secret of task " + id + " is not in " + home + " (lost local store?)");
                        }
                        v.revealSeed(cfg.account(), id, Files.readAllBytes(f));
                        log.accept(name() + " reveals the seed of task " + id + ": verifiers and segments are drawn: "
                                + Accounts.assignments(v.assignments(id)));
                    } else {
                        v.assignWithoutReveal(cfg.account(), id);
                        log.accept(name() + ": reveal window of task " + id + " passed; verifiers drawn from the block hash");
                    }
                    return true;
                }
                if (now > t.deadline() + v.probeWindow()) {
                    v.settle(cfg.account(), id);
                    log.accept(name() + " settles task " + id + " after its challenge window (" + t.attestations() + " attestations): "
                            + (v.task(id).status() == Verity.Status.SETTLED ? "paid and registered"
                                    : "too few attestations for a quorum, so it fails and the escrow is refunded"));
                    return true;
                }
            }
            case FAILED -> {
                // a dispute or an init claim failed the task: settle() pays the verifiers and refunds the escrow, once no
                // dispute of it is open (their rulings may still slash verifiers who attested a wrong segment)
                if (t.escrow().signum() > 0) {
                    if (v.openDisputes(id) > 0) {
                        return false; // wait: the task is refunded once its last dispute has ended
                    }
                    v.settle(cfg.account(), id);
                    log.accept(name() + " settles failed task " + id + ": verifiers paid, escrow refunded");
                    return true;
                }
                open.remove(id);
            }
            case SETTLED, CANCELLED -> open.remove(id);
            default -> {
            }
        }
        return false;
    }

    static boolean isZero(String address) {
        return address == null || address.replace("0x", "").chars().allMatch(c -> c == '0');
    }

    static Chain chainOf(Verity v) {
        return v.chain;
    }
}

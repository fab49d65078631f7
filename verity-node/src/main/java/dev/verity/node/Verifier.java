package dev.verity.node;

import dev.verity.chain.ReplayProof;
import dev.verity.chain.Verity;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.verify.SegmentReplayer;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Checks solvers' work for replay fees: registered in the verifier pool with stake, it waits for
 * the chain to assign it a segment of a committed task (randomness revealed after the commit),
 * fetches the manifest and spec from the blob store, replays the segment bit for bit from the
 * solver's own checkpoint, and attests; on a mismatch it hands the segment to its
 * {@link Challenger}, which opens and plays the dispute. With {@code auditAll} it also replays
 * every other segment of every verified task (unpaid work, for the slashing reward). Its {@link ProbeKeeper} fixes
 * the probes of other seats that did not reveal in time, so that none can let its draw lapse for a second one.
 */
public final class Verifier implements Role {
    public record Config(String name, String account, BigInteger stake, boolean auditAll) {
        public Config {
            Accounts.check("verifier account", account);
            if (stake == null || stake.signum() <= 0) {
                throw new IllegalArgumentException("verifier: stake must be positive");
            }
        }
    }

    private record Job(long taskId, long index, int segment) {
    }

    private final Config cfg;
    private final Verity v;
    private final BlobStore store;
    private final Consumer<String> log;
    private final Challenger challenger;
    private final ProbeKeeper keeper;
    private final ChainEvents events;
    private final List<Job> jobs = new ArrayList<>();
    private final TreeSet<Long> audits = new TreeSet<>();
    private final Map<Long, SegmentReplayer> replayers = new HashMap<>();
    private boolean silent;
    private boolean lazy;
    /** Attestations whose probe is not drawn or not revealed yet. */
    private final List<Reveal> reveals = new ArrayList<>();

    /** An attestation to reveal at its probe: the seat, its segment, the committed replay and the solver's ends it proves against. */
    private record Reveal(long taskId, long index, int segment, ReplayProof replay, ReplayProof.SegmentEnds ends) {
    }
    /** It left the pool (drawn while its free stake could not cover a seat) and registers again once it can. */
    private boolean rejoin;

    public Verifier(Config cfg, Verity v, BlobStore store, Consumer<String> log) {
        this.cfg = cfg;
        this.v = v;
        this.store = store;
        this.log = log;
        this.challenger = new Challenger(new Challenger.Config(cfg.name(), cfg.account()), v, store, log);
        this.keeper = new ProbeKeeper(cfg.name(), cfg.account(), v, log);
        this.events = new ChainEvents(v);
    }

    /** A verifier that registers but never acts (a node that went down): tests that a task without a quorum is not paid. */
    public Verifier silent() {
        this.silent = true;
        return this;
    }

    /**
     * A verifier that attests without replaying (a made-up replay, for the fee): the demo's lazy scene shows the seat
     * slashed once the others' replays settle the task.
     */
    public Verifier lazy() {
        this.lazy = true;
        return this;
    }

    /** Whether it replays every segment of every task it sees, besides its own seats. */
    public boolean auditsAll() {
        return cfg.auditAll();
    }

    @Override
    public String name() {
        return cfg.name();
    }

    @Override
    public String account() {
        return cfg.account();
    }

    public Challenger challenger() {
        return challenger;
    }

    @Override
    public void join() {
        v.approve(cfg.account(), v.staking, Accounts.UNLIMITED);
        challenger.join();
        BigInteger have = v.staked(cfg.account());
        if (have.compareTo(cfg.stake()) < 0) {
            v.stake(cfg.account(), cfg.stake().subtract(have));
        }
        try {
            v.registerVerifier(cfg.account());
        } catch (dev.verity.chain.Chain.RevertException e) {
            if (!"AlreadyAVerifier()".equals(e.reason())) {
                throw e;
            }
        }
    }

    @Override
    public boolean tick() throws IOException {
        if (silent) {
            return false;
        }
        for (ChainEvents.Event e : events.poll()) {
            keeper.onEvent(e);
            if (e.name().equals("VerifierDeregistered") && e.topicAddress(1).equals(cfg.account())) {
                rejoin = true; // its stake fell below a seat's (slashed): it left the pool, and rejoins once restaked
            } else if (e.name().equals("VerifierAssigned") && e.topicAddress(2).equals(cfg.account())) {
                jobs.add(new Job(e.topicLong(1), e.wordLong(0), Math.toIntExact(e.wordLong(1))));
            } else if (e.name().equals("VerificationOpened") && cfg.auditAll()) {
                audits.add(e.topicLong(1));
            }
        }
        boolean acted = false;
        if (rejoin && v.staked(cfg.account()).compareTo(v.rules().seatStake()) >= 0 && v.drawWeight(cfg.account()).signum() == 0) {
            v.registerVerifier(cfg.account());
            rejoin = false;
            acted = true;
        }
        for (Job j : new ArrayList<>(jobs)) {
            jobs.remove(j);
            acted |= verify(j);
        }
        for (Reveal r : new ArrayList<>(reveals)) {
            acted |= reveal(r);
        }
        acted |= keeper.tick();
        for (Long id : new ArrayList<>(audits)) {
            audits.remove(id);
            acted |= audit(id);
        }
        acted |= challenger.tick();
        return acted;
    }

    private SegmentReplayer replayer(long taskId, Verity.TaskView t) throws IOException {
        SegmentReplayer r = replayers.get(taskId);
        if (r == null) {
            String key = Sha256.hex(t.spec().specHash());
            TaskSpec spec = TaskSpec.parse(new String(store.get(key), StandardCharsets.UTF_8), store);
            Manifest m = Manifest.fromJson(store.get(Sha256.hex(t.manifestHash())));
            r = new SegmentReplayer(TaskRun.open(spec, store), store, m);
            replayers.put(taskId, r);
        }
        return r;
    }

    private boolean verify(Job j) throws IOException {
        Verity.TaskView t = v.task(j.taskId());
        boolean open = t.status() == Verity.Status.COMMITTED || t.status() == Verity.Status.DISPUTED;
        Verity.Assignment seat = v.assignments(j.taskId()).get(Math.toIntExact(j.index()));
        if (seat.attested()) {
            // a seat it attested before a restart (the events are read again from the start): its reveal went with the process
            return v.probesOpen(t) && !seat.proven() && resumeReveal(j, t, seat);
        }
        if (!open || v.chain.timestamp() > t.deadline()) {
            return false;
        }
        SegmentReplayer r = replayer(j.taskId(), t);
        // the manifest must be the commit's: the roots on chain, not the ones a manifest claims, are what a dispute opens
        if (!Arrays.equals(t.traceRoot(), Sha256.unhex(r.manifest().traceRoot())) || !Arrays.equals(t.modelRoot(), Sha256.unhex(r.manifest().modelRoot()))) {
            log.accept(name() + " will not attest task " + j.taskId() + ": its manifest's roots are not the committed ones");
            challenger.challenge(j.taskId(), j.segment(), "the committed trace or model root is not the published manifest's");
            return true;
        }
        if (!Arrays.equals(v.initRootOf(j.taskId()), r.run().initRoot(store))) {
            // the posted init root is not the spec's checkpoint 0: a task whose rules its own spec contradicts
            log.accept(name() + " will not attest task " + j.taskId() + ": its posted init root is not the spec's checkpoint 0");
            challengeInitialState(j.taskId(), r, "the posted init root is not the spec's checkpoint 0");
            return true;
        }
        SegmentReplayer.Verdict mv = r.checkManifest();
        if (!mv.ok()) {
            log.accept(name() + " will not attest task " + j.taskId() + ": manifest check '" + mv.check() + "' failed: " + mv.reason());
            if (mv.check().equals("checkpoints")) {
                // a trace with another number of checkpoints than the task's segments + 1 cannot be opened at any segment
                // (its root commits its leaf count): the solver loses the dispute by timeout
                challenger.challenge(j.taskId(), j.segment(), "the trace has the wrong number of checkpoints: " + mv.reason());
            } else if (mv.check().equals("graph")) {
                // another run's proof (another seed): its checkpoint 0 is not the task's init root, which round 2 of a
                // dispute of segment 0 checks
                challenger.challenge(j.taskId(), 0, "the proof is not this task's run: " + mv.reason());
            } else if (mv.check().equals("initial state")) {
                challengeInitialState(j.taskId(), r, mv.reason());
            } else if (mv.check().equals("final model")) {
                // the model claim: in a dispute of the last segment, a model record that is not the final state's
                challenger.challenge(j.taskId(), r.segments() - 1, "the committed model is not the last checkpoint's weights: " + mv.reason());
            }
            return true;
        }
        byte[] key = seat.key();
        if (lazy) {
            // without a replay it has no op output to key: it commits a root over a made-up one and cannot reveal
            ReplayProof madeUp = new ReplayProof(key, ReplayProofs.madeUp());
            v.attest(cfg.account(), j.taskId(), j.index(), madeUp.root());
            log.accept(name() + " attests segment " + j.segment() + " of task " + j.taskId() + " WITHOUT replaying it (a made-up replay root)");
            return true;
        }
        SegmentReplayer.Verdict verdict = r.replay(j.segment());
        if (verdict.ok()) {
            // the attestation commits, under the seat's key, to every op output of the segment's last step, before anyone
            // knows which chunk will be probed
            ReplayProof replay = new ReplayProof(key, ReplayProofs.outputs(r.replayedEnd()));
            v.attest(cfg.account(), j.taskId(), j.index(), replay.root());
            reveals.add(new Reveal(j.taskId(), j.index(), j.segment(), replay, ReplayProofs.ends(r.manifest())));
            log.accept(name() + " replays segment " + j.segment() + " of task " + j.taskId() + " bit for bit and attests (its keyed root of the "
                    + replay.ops() + " op outputs of the segment's last step)");
        } else if (verdict.check().equals("op trace")) {
            // the checkpoints replay but the solver's committed segment end does not: no reveal could prove against it, and
            // the dispute's ends claim (or its op claims, should the solver post the made-up trace) makes the solver lose
            log.accept(name() + " replays segment " + j.segment() + " of task " + j.taskId() + ": MISMATCH of the segment end — " + verdict.reason());
            challenger.challenge(j.taskId(), j.segment(), verdict.reason());
        } else {
            log.accept(name() + " replays segment " + j.segment() + " of task " + j.taskId() + ": MISMATCH — " + verdict.reason());
            if (verdict.check().equals("replay")) {
                challenger.challenge(j.taskId(), j.segment(), verdict.reason());
            }
        }
        return true;
    }

    /**
     * After a restart: replays the segment of a seat it attested again, to reveal at its probe. Only a replay that gives the
     * very root it attested is revealed (a root it made up, or attested from another build, cannot be).
     */
    private boolean resumeReveal(Job j, Verity.TaskView t, Verity.Assignment seat) throws IOException {
        if (reveals.stream().anyMatch(r -> r.taskId() == j.taskId() && r.index() == j.index())) {
            return false;
        }
        SegmentReplayer r = replayer(j.taskId(), t);
        if (!r.replay(j.segment()).ok()) {
            return false;
        }
        ReplayProof replay = new ReplayProof(seat.key(), ReplayProofs.outputs(r.replayedEnd()));
        if (!Arrays.equals(replay.root(), seat.replayRoot())) {
            return false;
        }
        reveals.add(new Reveal(j.taskId(), j.index(), j.segment(), replay, ReplayProofs.ends(r.manifest())));
        log.accept(name() + " replays segment " + j.segment() + " of task " + j.taskId() + " again to reveal the attestation it made before a restart");
        return true;
    }

    /**
     * Checkpoint 0 is not the spec's initial state. If it is not the task's posted init root either, a dispute of segment 0
     * wins at round 2; if it is, the posted init root itself is wrong, and the init claim proves it from checkpoint 0's
     * own tensors (which the solver published).
     */
    private void challengeInitialState(long taskId, SegmentReplayer r, String reason) throws IOException {
        byte[] posted = v.initRootOf(taskId);
        if (!Arrays.equals(posted, Sha256.unhex(r.manifest().checkpoints().get(0).stateRoot()))) {
            challenger.challenge(taskId, 0, "checkpoint 0 is not the task's init root: " + reason);
            return;
        }
        Verity.InitClaim claim = InitClaims.find(r.run(), store, r.load(0));
        if (claim == null) {
            // no element of checkpoint 0 differs (a missing or extra record): the dispute of segment 0 is the way left
            challenger.challenge(taskId, 0, "checkpoint 0 is not the spec's initial state, and no element of it can be claimed: " + reason);
            return;
        }
        v.challengeInit(cfg.account(), taskId, claim);
        log.accept(name() + " proves task " + taskId + "'s init root wrong on chain (one element recomputed from the seed): "
                + "the task fails and its solver is slashed");
    }

    /** Reveals the drawn chunk of the committed replay once the seat's probe is drawn; drops seats whose window is over. */
    private boolean reveal(Reveal r) {
        Verity.TaskView t = v.task(r.taskId());
        if (!v.probesOpen(t)) {
            reveals.remove(r);
            return false;
        }
        byte[] seed = v.probeOf(r.taskId(), r.index());
        if (seed == null) {
            Verity.Assignment seat = v.assignments(r.taskId()).get(Math.toIntExact(r.index()));
            if (!seat.retargeted() && v.chain.blockNumber() > seat.attestBlock() + ProbeKeeper.BLOCKHASH_REACH) {
                // the attestation block's hash is out of reach (the node was away): re-target once, reveal in a later block
                try {
                    v.drawProbe(cfg.account(), r.taskId(), r.index());
                } catch (dev.verity.chain.Chain.RevertException e) {
                    return false; // someone re-targeted it in this very block: its new draw comes in the next
                }
                log.accept(name() + " re-targets its probe of task " + r.taskId() + " seat " + r.index() + ": its block's hash is out of reach");
                return true;
            }
            return false;
        }
        ReplayProof.Reveal proof = r.replay().reveal(seed, r.ends(), r.segment());
        v.revealProbe(cfg.account(), r.taskId(), r.index(), proof);
        reveals.remove(r);
        log.accept(name() + " reveals its replay of task " + r.taskId() + " at its probe: " + ReplayProof.DRAWS + " drawn chunks of the "
                + proof.opCount() + " op outputs of the segment's last step, proven in the solver's trace and under its key");
        return true;
    }

    private boolean audit(long taskId) throws IOException {
        Verity.TaskView t = v.task(taskId);
        if (t.status() != Verity.Status.COMMITTED || t.solver().equalsIgnoreCase(cfg.account())) {
            return false;
        }
        SegmentReplayer r = replayer(taskId, t);
        if (!r.checkManifest().ok()) {
            return true;
        }
        auditSegments(name(), taskId, r, challenger, log);
        return true;
    }

    /**
     * Replays every segment of a task whose manifest checked out; at the first segment that does
     * not replay bit for bit, hands it to {@code challenger} (one dispute per task is enough).
     */
    public static void auditSegments(String who, long taskId, SegmentReplayer r, Challenger challenger, Consumer<String> log) {
        for (int s = 0; s < r.segments(); s++) {
            SegmentReplayer.Verdict verdict = r.replay(s);
            if (!verdict.ok() && verdict.check().equals("replay")) {
                log.accept(who + " audits task " + taskId + ": segment " + s + " MISMATCH — " + verdict.reason());
                challenger.challenge(taskId, s, verdict.reason());
                return;
            }
        }
        log.accept(who + " audits all " + r.segments() + " segments of task " + taskId + ": every one replays bit for bit");
    }
}

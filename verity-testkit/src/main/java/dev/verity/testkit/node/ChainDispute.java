package dev.verity.testkit.node;

import dev.verity.node.DisputeParty;
import dev.verity.chain.Chain;
import dev.verity.chain.ChainSelftest;
import dev.verity.chain.PostParams;
import dev.verity.chain.Verity;
import dev.verity.proof.dispute.ChallengerMoves;
import dev.verity.proof.dispute.Defender;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Takes verity-proof's off-chain dispute onto a chain: runs a {@link Defender} and a challenger
 * ({@code Challenger} or a dishonest one) round by round and posts every move as a transaction to
 * TaskMarket / DisputeGame, with the real commitments and Merkle proofs of verity-proof. The
 * contract (and BasicOpReferee in round 5) rules; a party that cannot move, or whose move the
 * contract rejects, stays silent and loses by timeout, as on a real chain.
 */
public final class ChainDispute {
    /** Gas of one transaction of the dispute, and the wall time its side spent on it (off-chain work and the transaction). */
    public record RoundGas(int round, String move, long gas, long millis) {
    }

    /** The on-chain outcome. */
    public record Result(boolean challengerWon, int decidedRound, String how, List<RoundGas> gas) {
        public long totalGas() {
            return gas.stream().mapToLong(RoundGas::gas).sum();
        }

        public long gasOfRound(int round) {
            return gas.stream().filter(g -> g.round() == round).mapToLong(RoundGas::gas).sum();
        }
    }

    private final Verity v;
    private final ChainSelftest.Actors a;

    private ChainDispute(Verity v, ChainSelftest.Actors a) {
        this.v = v;
        this.a = a;
    }

    /** Deploys Verity with the real referee (BasicOpReferee) on {@code chain} and funds the actors. */
    public static ChainDispute deploy(Chain chain) {
        ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
        Verity v = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults().withReferee("BasicOpReferee"));
        ChainSelftest.setUp(v, a);
        return new ChainDispute(v, a);
    }

    public Verity verity() {
        return v;
    }

    /**
     * Posts the task (graph root, size and init root from {@code run}: the spec's, whatever the solver published), lets the
     * solver win it and commit the manifest's trace root.
     */
    public long commitTask(TaskRun run, Manifest m, BlobStore store) throws java.io.IOException {
        return commitTask(run, m, run.initRoot(store));
    }

    /** As above, with the init root {@code initRoot} posted (a submitter who passes made-up weights off as the spec's). */
    public long commitTask(TaskRun run, Manifest m, byte[] initRoot) {
        return commitTask(run, m, initRoot, null);
    }

    /**
     * As above, the solver committing {@code ends} as its segment ends (null: synthetic ones, for disputes that are about
     * other things than the ends: no seat reveals here).
     */
    public long commitTask(TaskRun run, Manifest m, byte[] initRoot, dev.verity.chain.ReplayProof.SegmentEnds ends) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        // the task's steps come from its spec, not from the solver's manifest (a solver that stopped early has fewer)
        long steps = run.spec().train().steps();
        PostParams spec = PostParams.builder().specHash(Sha256.hash("spec".getBytes(), secret)).datasetRoot(Sha256.unhex(m.datasetRoot()))
                .graph(run.graphTree().root(), run.graph().size()).initRoot(initRoot).seedCommit(PostParams.seedCommitment(secret))
                .shape(steps, run.spec().checkpointInterval(), 1000)
                .pricing(Verity.ether(1), PostParams.replayFeeFloor(1000, steps, run.spec().checkpointInterval(), Verity.ether(1)), Verity.ether(1000))
                .verifiers(2).windows(3600, 86400, 3600, 86400).build();
        // each dispute a cheater loses slashes, and each task bid on locks, the task's solver stake: stake it afresh,
        // so any number of tasks can be played on one deployment
        v.stake(a.solver(), spec.solverStake());
        long id = v.post(a.submitter(), spec);
        v.bid(a.solver(), id, Verity.ether(1));
        v.chain.advanceTime(spec.bidWindow() + 1);
        v.closeAuction(a.deployer(), id);
        v.commit(a.solver(), id, Sha256.unhex(m.traceRoot()), Sha256.unhex(m.modelRoot()), Sha256.hash("manifest".getBytes()),
                ends != null ? ends : dev.verity.chain.ChainSelftest.syntheticEnds(spec));
        v.revealSeed(a.submitter(), id, secret);
        return id;
    }

    /**
     * Plays the whole dispute of segment {@code segment} of committed task {@code taskId} on chain:
     * a {@link DisputeParty.ChallengerSide} and a {@link DisputeParty.DefenderSide}, each moving
     * only on its own turn and reading the other's data from {@code store} under the roots posted
     * on chain. When neither can move, time passes the round deadline and the waiting side ends
     * the dispute by timeout. {@code defender} must be fresh.
     */
    public Result play(long taskId, TaskRun run, Manifest m, BlobStore store, Defender defender, ChallengerMoves challenger, int segment) {
        DisputeParty.ChallengerSide ch = DisputeParty.ChallengerSide.open(v, a.challenger(), store, run, m, challenger, taskId, segment);
        DisputeParty.DefenderSide def = new DisputeParty.DefenderSide(v, a.solver(), store, run, m, ch.dispute(), defender);
        for (int i = 0; v.dispute(ch.dispute()).nextRound() != 0; i++) {
            if (i > 32) {
                throw new IllegalStateException("dispute " + ch.dispute() + " made no progress");
            }
            if (!def.step() && !ch.step()) {
                v.chain.advanceTime(v.task(taskId).rules().roundTimeout() + 1);
            }
        }
        return result(v, ch, def);
    }

    /** The outcome of a finished dispute, from the moves both sides made. */
    static Result result(Verity v, DisputeParty.ChallengerSide ch, DisputeParty.DefenderSide def) {
        Verity.DisputeView d = v.dispute(ch.dispute());
        if (d.nextRound() != 0) {
            throw new IllegalStateException("dispute " + ch.dispute() + " still open at round " + d.nextRound());
        }
        List<RoundGas> gas = new ArrayList<>();
        for (DisputeParty.Move mv : ch.moves()) {
            gas.add(new RoundGas(mv.round(), mv.name(), mv.gas(), mv.millis()));
        }
        for (DisputeParty.Move mv : def.moves()) {
            gas.add(new RoundGas(mv.round(), mv.name(), mv.gas(), mv.millis()));
        }
        gas.sort(Comparator.comparingInt(RoundGas::round));
        int decided = gas.stream().mapToInt(RoundGas::round).max().orElse(1);
        boolean timedOut = gas.stream().anyMatch(g -> g.move().equals("timeout"));
        String how;
        if (timedOut) {
            String why = ch.stuck() != null ? "challenger " + ch.stuck() : def.stuck() != null ? "defender " + def.stuck() : "no move";
            how = "silence at round " + decided + ": " + why;
        } else {
            how = ch.ruledOn().isEmpty() ? ch.lastHow() : "ruled on " + ch.ruledOn();
        }
        return new Result(d.challengerWon(), decided, how, List.copyOf(gas));
    }
}

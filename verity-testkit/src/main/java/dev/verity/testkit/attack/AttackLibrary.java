package dev.verity.testkit.attack;

import dev.verity.merkle.Sha256;

import dev.verity.chain.Chain;
import dev.verity.chain.DisputeMoves;
import dev.verity.merkle.MerkleTree;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.PostParams;
import dev.verity.chain.Verity;
import java.math.BigInteger;
import java.util.List;
import java.util.function.Function;

/**
 * Attacks on the rules of the protocol (docs/threat-model.md), each the cheapest real strategy of a rational attacker
 * with as many accounts as it likes, played by real accounts through the real contracts on the embedded EVM. Compute
 * cheats are the cheat library's ({@code verity proof check}); these attack what the contracts let a party do.
 *
 * <p>A cheating solver's commitments are {@link SyntheticDispute}'s: consistent trees whose element chains are made
 * up, so the real referee (BasicOpReferee) rules a disputed link wrong, as it does for a real cheat.
 */
public final class AttackLibrary {
    private AttackLibrary() {}

    /** What an attack did: who attacked, whom it targeted, what happened, and whether the rule held. */
    public record Outcome(List<String> attackers, List<String> honest, String what, boolean ruleHeld) {}

    /** One attack: its name, the attacker in words, the rule that should defeat it, and the play. */
    public record Attack(String name, String attacker, String rule, Function<Arena, Outcome> play) {}

    /** A cheap cheating task: 32 steps, checkpoints every 8 (4 segments), 4 graph ops, a 4-link chain. */
    static SyntheticDispute cheat(long salt) {
        return new SyntheticDispute(32, 8, 4, 300, 4, salt);
    }

    public static List<Attack> all() {
        return List.of(
                new Attack("sybil-silent-dispute", "solver + its second account",
                        "any number of disputes at once; settlement waits for every one", AttackLibrary::sybilSilentDispute),
                new Attack("sybil-self-slash", "solver + its second account",
                        "the first winner takes half the stake, the treasury the rest", AttackLibrary::sybilSelfSlash),
                new Attack("random-trace-root", "solver", "whoever posts a root opens it on demand, or loses", AttackLibrary::randomTraceRoot),
                new Attack("short-trace", "solver", "the trace has segments + 1 leaves (the root commits its count)", AttackLibrary::shortTrace),
                new Attack("forged-segment-start", "solver", "round 2's leaves start and end at the proven checkpoints",
                        AttackLibrary::forgedSegmentStart),
                new Attack("silent-mid-dispute", "solver", "silence at a round loses the dispute", AttackLibrary::silentMidDispute),
                new Attack("withheld-op-trace", "solver", "a demanded op trace is posted as calldata, or the solver loses",
                        AttackLibrary::withheldOpTrace),
                new Attack("withheld-element-chain", "solver", "a demanded element chain is posted as calldata, or the solver loses",
                        AttackLibrary::withheldElementChain),
                new Attack("withheld-long-chain", "solver", "a chain too long for one opening is demanded a page at a time",
                        AttackLibrary::withheldLongChain),
                new Attack("withheld-state-records", "solver", "a demanded state's records are posted as calldata, or the solver loses",
                        AttackLibrary::withheldStateRecords),
                new Attack("withheld-data", "solver", "no payment without a quorum of attestations", AttackLibrary::withheldData),
                new Attack("one-second-commit-window", "submitter", "window floors; timeout slashes go to the treasury",
                        AttackLibrary::oneSecondCommitWindow),
                new Attack("zero-stake-task", "submitter + solver", "a solver stake that covers the pay", AttackLibrary::zeroStakeTask),
                new Attack("registry-squat", "squatter (submitter + solver accounts)", "a model root belongs to the earliest-posted task",
                        AttackLibrary::registrySquat),
                new Attack("copycat-open", "copycat", "each challenger plays its own game; nobody can own another's dispute",
                        AttackLibrary::copycatOpen),
                new Attack("griefing-disputes", "griefer (3 accounts)", "every dispute costs a bond its loser forfeits",
                        AttackLibrary::griefingDisputes),
                new Attack("grind-fallback-randomness", "caller of assignWithoutReveal", "the fallback draw is fixed by the commit's block",
                        AttackLibrary::grindFallbackRandomness),
                new Attack("submitter-never-reveals", "submitter", "anyone assigns after the reveal window; the solver is paid",
                        AttackLibrary::submitterNeverReveals),
                new Attack("leaked-seed-secret", "submitter + solver", "the draw mixes the commit block's hash; anyone may challenge any segment",
                        AttackLibrary::leakedSeedSecret),
                new Attack("double-settle", "solver", "a task pays once", AttackLibrary::doubleSettle),
                new Attack("dispute-after-window", "griefer", "disputes open only inside the verification window",
                        AttackLibrary::disputeAfterWindow),
                new Attack("made-up-init-root", "submitter + solver", "checkpoint 0 is the graph's init, recomputed on chain (init claim)",
                        AttackLibrary::madeUpInitRoot),
                new Attack("false-init-claim", "griefer", "an init claim on a right init root is refused", AttackLibrary::falseInitClaim),
                new Attack("lazy-verifier", "verifier", "an attestation is paid only if it reveals a chunk of the segment's last-step op trace "
                        + "drawn after it, under the seat's key; in a task that settles an unproven one loses its seat stake", AttackLibrary::lazyVerifier),
                new Attack("precomputed-replay-root", "solver+verifier", "the seat's key is drawn after the solver committed: a keyed root "
                        + "its solver built while training (when it held every output) does not prove", AttackLibrary::precomputedReplayRoot),
                new Attack("ends-root-griefing", "solver", "a seat is slashed only in a task that settles, which needs a quorum of proven replays",
                        AttackLibrary::endsRootGriefing),
                new Attack("absent-verifier", "verifier", "a drawn verifier that neither attests nor challenges a task that settles loses its seat stake",
                        AttackLibrary::absentVerifier),
                new Attack("verifier-unbonding", "verifier", "a pooled verifier's draw weight is its stake, updated as it changes; a seat's stake cannot unbond",
                        AttackLibrary::verifierUnbonding),
                new Attack("verifier-sybil", "verifier (4 accounts)", "seats are drawn in proportion to stake, not per account",
                        AttackLibrary::verifierSybil));
    }

    /** A task over {@link InitFixture}'s graph posted with the init root of a state filled with {@code value}. */
    private static long initTask(Arena x, SyntheticDispute syn, InitFixture f, float value) {
        byte[] secret = dev.verity.chain.ChainSelftest.secret();
        PostParams spec = x.spec(syn, secret, 86400).withGraph(f.graph.root(), 1, f.initRoot(value));
        return x.committed(x.a.submitter(), x.a.solver(), spec, secret, syn.traceRoot(), syn.modelRoot(), true);
    }

    // ------------------------------------------------------------------ helpers

    /** The whole dispute on segment {@code seg} as an honest challenger plays it against a cheat; returns the dispute id. */
    static long challengeAndWin(Arena x, String challenger, long taskId, SyntheticDispute syn, long seg) {
        long d = x.v.openDispute(challenger, taskId, seg);
        playFromRound2(x, challenger, d, syn, seg);
        return d;
    }

    static void playFromRound2(Arena x, String challenger, long d, SyntheticDispute syn, long seg) {
        x.v.round2(x.v.dispute(d).defender(), d, syn.round2(seg));
        x.v.round3(challenger, d, syn.round3(seg, 3, syn.graphOps - 1, syn.outputElems - 1));
        x.v.round4(x.v.dispute(d).defender(), d, syn.round4());
        x.v.round5(challenger, d, syn.round5(syn.chainLength - 1));
    }

    static boolean reverts(Runnable r) {
        try {
            r.run();
            return false;
        } catch (Chain.RevertException e) {
            return true;
        }
    }

    static String tokens(BigInteger wei) {
        return new java.math.BigDecimal(wei).movePointLeft(18).stripTrailingZeros().toPlainString();
    }

    /** Ends every open dispute of the task by timeout, then settles it. */
    static void finish(Arena x, long taskId) {
        for (long d : x.v.disputesOf(taskId)) {
            if (x.v.dispute(d).nextRound() != 0) {
                x.pastRound(d);
                x.v.timeoutDispute(x.a.deployer(), d);
            }
        }
        x.pastWindow(taskId);
        if (x.v.task(taskId).escrow().signum() > 0) x.v.settle(x.a.deployer(), taskId);
    }

    // ------------------------------------------------------------------ the attacks

    /** The solver commits a cheat; its second account opens first and stays silent; an honest verifier opens its own. */
    static Outcome sybilSilentDispute(Arena x) {
        SyntheticDispute syn = cheat(11);
        String solver = x.a.solver(), sybil = x.extra.get(0), honest = x.a.verifiers().get(0);
        // a one-hour verify window: it (and the probe window after it) ends while the day-long dispute rounds are open
        long id = x.committed(x.a.submitter(), solver, syn, syn.traceRoot(), syn.modelRoot(), 3600, true);
        long sybilDispute = x.v.openDispute(sybil, id, 1);
        x.v.round2(solver, sybilDispute, syn.round2(1));
        long d = x.v.openDispute(honest, id, 1);
        x.v.round2(solver, d, syn.round2(1));
        x.v.round3(honest, d, syn.round3(1, 3, syn.graphOps - 1, syn.outputElems - 1));
        x.v.round4(solver, d, syn.round4());
        // the verification window ends while both disputes are open: the solver cannot settle past them
        x.pastWindow(id);
        boolean settleBlocked = reverts(() -> x.v.settle(solver, id)) && x.v.openDisputes(id) == 2;
        x.v.round5(honest, d, syn.round5(syn.chainLength - 1));
        finish(x, id);
        boolean held = x.v.dispute(d).challengerWon() && settleBlocked && x.v.task(id).status() == Verity.Status.FAILED
                && !x.v.modelRegistered(syn.modelRoot());
        return new Outcome(List.of(solver, sybil), List.of(honest, x.a.submitter()),
                "honest dispute won in round 5; settle refused while the sybil's was open; task failed, nothing registered", held);
    }

    /** A caught cheater's second account wins a dispute first (the solver concedes it) to take back half the stake. */
    static Outcome sybilSelfSlash(Arena x) {
        SyntheticDispute syn = cheat(12);
        String solver = x.a.solver(), sybil = x.extra.get(0), honest = x.a.verifiers().get(0);
        long id = x.committed(syn);
        long honestDispute = x.v.openDispute(honest, id, 2);
        long sybilDispute = x.v.openDispute(sybil, id, 2);
        x.chain.advanceTime(100);
        x.v.round2(solver, honestDispute, syn.round2(2));
        x.pastRound(sybilDispute); // the solver lets its sybil win by silence, before the honest game ends
        x.v.timeoutDispute(sybil, sybilDispute);
        x.v.round3(honest, honestDispute, syn.round3(2, 3, syn.graphOps - 1, syn.outputElems - 1));
        x.v.round4(solver, honestDispute, syn.round4());
        x.v.round5(honest, honestDispute, syn.round5(syn.chainLength - 1));
        finish(x, id);
        boolean held = x.v.dispute(sybilDispute).challengerWon() && x.v.dispute(honestDispute).challengerWon()
                && x.v.task(id).status() == Verity.Status.FAILED;
        return new Outcome(List.of(solver, sybil), List.of(honest, x.a.submitter()),
                "both win; the sybil got half the stake, the treasury the other half; the honest challenger its bond back", held);
    }

    /** The solver commits 32 random bytes as its trace root and publishes nothing. */
    static Outcome randomTraceRoot(Arena x) {
        SyntheticDispute syn = cheat(13);
        String solver = x.a.solver(), honest = x.a.challenger();
        long id = x.committed(x.a.submitter(), solver, syn, Sha256.hash("made up".getBytes()), syn.modelRoot(), 86400, true);
        long d = x.v.openDispute(honest, id, 0);
        boolean cannotOpen = reverts(() -> x.v.round2(solver, d, syn.round2(0)));
        finish(x, id);
        boolean held = cannotOpen && x.v.dispute(d).challengerWon() && !x.v.modelRegistered(syn.modelRoot());
        return new Outcome(List.of(solver), List.of(honest, x.a.submitter()),
                "the challenger opened without a proof; the solver could not open the trace, lost by timeout", held);
    }

    /** The solver stops early: its trace has one checkpoint fewer than the task's segments + 1. */
    static Outcome shortTrace(Arena x) {
        SyntheticDispute full = cheat(14);
        SyntheticDispute stopped = new SyntheticDispute(24, 8, 4, 300, 4, 14); // the same states, one segment short
        String solver = x.a.solver(), honest = x.a.challenger();
        long id = x.committed(x.a.submitter(), solver, full, stopped.traceRoot(), full.modelRoot(), 86400, true);
        long d = x.v.openDispute(honest, id, 2);
        boolean cannotOpen = reverts(() -> x.v.round2(solver, d, stopped.round2(2)));
        finish(x, id);
        boolean held = cannotOpen && x.v.dispute(d).challengerWon();
        return new Outcome(List.of(solver), List.of(honest, x.a.submitter()),
                "a 4-leaf trace does not prove against the 5 leaves 32 steps need; lost by timeout", held);
    }

    /** In round 2 the solver posts a segment that does not start at its own checkpoint. */
    static Outcome forgedSegmentStart(Arena x) {
        SyntheticDispute syn = cheat(15);
        String solver = x.a.solver(), honest = x.a.challenger();
        long id = x.committed(syn);
        long d = x.v.openDispute(honest, id, 1);
        boolean refused = reverts(() -> x.v.round2(solver, d, syn.round2ForgedStart(1)));
        finish(x, id);
        return new Outcome(List.of(solver), List.of(honest, x.a.submitter()), "forged segment refused; lost by timeout",
                refused && x.v.dispute(d).challengerWon());
    }

    /** The cheating solver plays rounds 2 and then stays silent where it would have to post the element chain. */
    static Outcome silentMidDispute(Arena x) {
        SyntheticDispute syn = cheat(16);
        String solver = x.a.solver(), honest = x.a.verifiers().get(1);
        long id = x.committed(syn);
        long d = x.v.openDispute(honest, id, 3);
        x.v.round2(solver, d, syn.round2(3));
        x.v.round3(honest, d, syn.round3(3, 2, 1, 5));
        finish(x, id);
        return new Outcome(List.of(solver), List.of(honest, x.a.submitter()), "silent at round 4: lost by timeout, stake slashed",
                x.v.dispute(d).challengerWon() && x.v.task(id).status() == Verity.Status.FAILED);
    }

    /** The solver publishes no op trace for the disputed step, so the challenger cannot prove an entry; it demands them. */
    static Outcome withheldOpTrace(Arena x) {
        SyntheticDispute syn = cheat(28);
        String solver = x.a.solver(), honest = x.a.verifiers().get(0);
        long id = x.committed(syn);
        long d = x.v.openDispute(honest, id, 1);
        x.v.round2(solver, d, syn.round2(1));
        x.v.demandOpTrace(honest, d, syn.step(1, 3));
        boolean wrongOpening = reverts(() -> x.v.postOpTrace(solver, d, new Verity.OpTraceEntries(syn.opTraceEntries().graphLeaves(),
                syn.opTraceEntries().graphLeaves(), syn.opTraceEntries().outputElems())));
        finish(x, id); // the solver would rather stay silent than open a trace that shows its cheat: it loses by timeout
        return new Outcome(List.of(solver), List.of(honest, x.a.submitter()),
                "entries that do not hash to the committed op trace refused; silent after the demand: lost by timeout",
                wrongOpening && x.v.dispute(d).challengerWon());
    }

    /** The solver posts an element chain's root in round 4 and publishes no leaf of it; the challenger demands them. */
    static Outcome withheldElementChain(Arena x) {
        SyntheticDispute syn = cheat(29);
        String solver = x.a.solver(), honest = x.a.verifiers().get(1);
        long id = x.committed(syn);
        long d = x.v.openDispute(honest, id, 2);
        x.v.round2(solver, d, syn.round2(2));
        x.v.round3(honest, d, syn.round3(2, 3, syn.graphOps - 1, syn.outputElems - 1));
        x.v.round4(solver, d, syn.round4());
        x.v.demandChain(honest, d);
        // forced to open, the solver posts the leaves; the challenger reads them from the chain and disputes the wrong link
        x.v.postChain(solver, d, syn.chainLeaves());
        boolean readable = x.v.postedChain(d).orElseThrow().size() == syn.chainLength + 1;
        x.v.round5(honest, d, syn.round5(syn.chainLength - 1));
        finish(x, id);
        return new Outcome(List.of(solver), List.of(honest, x.a.submitter()),
                "forced to post the chain's leaves, the solver lost at round 5 on the link they showed", readable && x.v.dispute(d).challengerWon());
    }

    /** The solver commits and withholds its checkpoints: no verifier can replay, so none attests, and nobody disputes. */
    static Outcome withheldData(Arena x) {
        SyntheticDispute syn = cheat(17);
        String solver = x.a.solver();
        long id = x.committed(syn);
        finish(x, id);
        boolean held = x.v.task(id).status() == Verity.Status.FAILED && !x.v.modelRegistered(syn.modelRoot());
        return new Outcome(List.of(solver), List.of(x.a.submitter()), "no attestation: the task failed, escrow refunded, nothing registered",
                held);
    }

    /** The submitter sets a 1-second commit window to take the solver's stake through timeoutCommit. */
    static Outcome oneSecondCommitWindow(Arena x) {
        SyntheticDispute syn = cheat(18);
        String submitter = x.a.submitter();
        PostParams ok = x.spec(syn, dev.verity.chain.ChainSelftest.secret(), 86400);
        PostParams greedy = ok.withWindows(ok.bidWindow(), 1, ok.revealWindow(), ok.verifyWindow());
        boolean refused = reverts(() -> x.v.post(submitter, greedy));
        // with a window the floor allows, a solver that really is silent is slashed to the treasury, not to the submitter
        long id = x.v.post(submitter, ok);
        x.v.bid(x.a.solver2(), id, Verity.ether(1));
        x.chain.advanceTime(ok.bidWindow() + 1);
        x.v.closeAuction(submitter, id);
        x.chain.advanceTime(ok.commitWindow() + 1);
        BigInteger treasury = x.v.balanceOf(x.v.treasury);
        x.v.timeoutCommit(submitter, id);
        boolean toTreasury = x.v.balanceOf(x.v.treasury).subtract(treasury).equals(ok.solverStake());
        return new Outcome(List.of(submitter), List.of(), "1-second window refused (WindowOutOfRange); a timeout slash went to the treasury",
                refused && toTreasury);
    }

    /** Submitter and solver collude on a zero-stake task: a zoo entry for a model nobody risked anything on. */
    static Outcome zeroStakeTask(Arena x) {
        SyntheticDispute syn = cheat(19);
        PostParams ok = x.spec(syn, dev.verity.chain.ChainSelftest.secret(), 86400);
        PostParams free = ok.withSolverStake(BigInteger.ZERO);
        boolean refused = reverts(() -> x.v.post(x.a.submitter(), free));
        return new Outcome(List.of(x.a.submitter(), x.a.solver()), List.of(), "refused at post (SolverStakeTooLow)", refused);
    }

    /** A squatter copies an honest task into a later task of its own with short windows, settles first, and claims the model root. */
    static Outcome registrySquat(Arena x) {
        SyntheticDispute syn = cheat(20);
        String honestSolver = x.a.solver(), squatter = x.extra.get(1), squatterSolver = x.extra.get(2);
        x.v.stake(squatterSolver, Verity.ether(2_000));
        long honestTask = x.committed(x.a.submitter(), honestSolver, syn, syn.traceRoot(), syn.modelRoot(), 86400, true);
        long squat = x.committed(squatter, squatterSolver, syn, syn.traceRoot(), syn.modelRoot(), 600, true);
        dev.verity.chain.ChainSelftest.attestAll(x.v, squat);
        dev.verity.chain.ChainSelftest.attestAll(x.v, honestTask);
        finish(x, squat);
        boolean squatted = x.v.model(syn.modelRoot()).orElseThrow().taskId() == squat;
        finish(x, honestTask);
        Verity.ModelEntry entry = x.v.model(syn.modelRoot()).orElseThrow();
        boolean held = squatted && entry.taskId() == honestTask && entry.solver().equalsIgnoreCase(honestSolver) && x.v.models().size() == 1;
        return new Outcome(List.of(squatter, squatterSolver), List.of(honestSolver),
                "the squat registered first; the earlier-posted honest task took the entry back when it settled", held);
    }

    /** A copycat front-runs an honest challenger's open with the same calldata and mirrors its moves. */
    static Outcome copycatOpen(Arena x) {
        SyntheticDispute syn = cheat(21);
        String solver = x.a.solver(), honest = x.a.verifiers().get(2), copycat = x.extra.get(3);
        long id = x.committed(syn);
        long copy = x.v.openDispute(copycat, id, 2); // mined before the honest open it copied
        long own = x.v.openDispute(honest, id, 2);
        x.v.round2(solver, copy, syn.round2(2));
        x.v.round2(solver, own, syn.round2(2));
        DisputeMoves.OpClaim r3 = syn.round3(2, 3, syn.graphOps - 1, syn.outputElems - 1);
        x.v.round3(honest, own, r3);
        x.v.round3(copycat, copy, r3);
        x.v.round4(solver, own, syn.round4());
        x.v.round4(solver, copy, syn.round4());
        x.v.round5(honest, own, syn.round5(syn.chainLength - 1));
        x.v.round5(copycat, copy, syn.round5(syn.chainLength - 1));
        finish(x, id);
        boolean held = x.v.dispute(own).challengerWon() && x.v.dispute(own).challenger().equalsIgnoreCase(honest);
        return new Outcome(List.of(copycat), List.of(honest, x.a.submitter()),
                "the honest challenger kept its own game and won the slash; the copycat's game only returned its bond", held);
    }

    /** A griefer opens three disputes against an honest solver and stays silent, to delay its pay. */
    static Outcome griefingDisputes(Arena x) {
        SyntheticDispute syn = cheat(22);
        String solver = x.a.solver();
        List<String> griefers = List.of(x.extra.get(0), x.extra.get(1), x.extra.get(2));
        long id = x.committed(syn);
        dev.verity.chain.ChainSelftest.attestAll(x.v, id);
        for (int i = 0; i < griefers.size(); i++) {
            long d = x.v.openDispute(griefers.get(i), id, i);
            x.v.round2(solver, d, syn.round2(i));
        }
        finish(x, id);
        boolean held = x.v.task(id).status() == Verity.Status.SETTLED && x.v.modelRegistered(syn.modelRoot());
        return new Outcome(griefers, List.of(solver), "three bonds forfeited to the solver; the task settled once the disputes ended", held);
    }

    /** The caller of assignWithoutReveal waits for blocks whose draw it likes. */
    static Outcome grindFallbackRandomness(Arena x) {
        SyntheticDispute syn = cheat(23);
        String caller = x.extra.get(4);
        long id = x.committed(x.a.submitter(), x.a.solver(), syn, syn.traceRoot(), syn.modelRoot(), 86400, false);
        x.chain.advanceTime(13); // one block on: the commit block's hash is readable from the next block
        byte[] before = x.v.fallbackRandomness(id);
        x.chain.advanceTime(3600 + 1);
        for (int i = 0; i < 5; i++) x.chain.advanceTime(13); // five more blocks to choose from
        byte[] later = x.v.fallbackRandomness(id);
        dev.verity.chain.Receipt r = x.v.assignWithoutReveal(caller, id);
        byte[] drawn = null;
        String topic = dev.verity.chain.Abi.eventTopic("VerificationOpened(uint256,bytes32,bool,uint64)");
        for (dev.verity.chain.Receipt.Log l : r.logs()) {
            if (topic.equals(l.topic0())) drawn = java.util.Arrays.copyOfRange(l.data(), 0, 32);
        }
        boolean held = !java.util.Arrays.equals(before, new byte[32]) && java.util.Arrays.equals(before, later)
                && java.util.Arrays.equals(before, drawn);
        return new Outcome(List.of(caller), List.of(), "the draw read before the window ended is the draw made blocks later", held);
    }

    /** The submitter never reveals its seed, hoping the trained task stalls and its escrow comes back. */
    static Outcome submitterNeverReveals(Arena x) {
        SyntheticDispute syn = cheat(24);
        String submitter = x.a.submitter(), solver = x.a.solver();
        long id = x.committed(submitter, solver, syn, syn.traceRoot(), syn.modelRoot(), 86400, false);
        x.chain.advanceTime(3600 + 1);
        x.v.assignWithoutReveal(x.a.deployer(), id);
        dev.verity.chain.ChainSelftest.attestAll(x.v, id);
        finish(x, id);
        return new Outcome(List.of(submitter), List.of(solver), "anyone assigned after the reveal window; the solver was paid",
                x.v.task(id).status() == Verity.Status.SETTLED);
    }

    /**
     * The submitter gives its seed secret to the solver before the commit. The solver computes the draw the secret alone
     * would give and cheats on a segment outside it; the commit block's hash changes the draw, and an auditor who checks
     * every segment challenges the cheated one anyway.
     */
    static Outcome leakedSeedSecret(Arena x) {
        SyntheticDispute syn = cheat(25);
        String solver = x.a.solver(), auditor = x.a.challenger();
        long id = x.committed(syn);
        long d = challengeAndWin(x, auditor, id, syn, 3);
        finish(x, id);
        return new Outcome(List.of(x.a.submitter(), solver), List.of(auditor), "the auditor's dispute on the cheated segment won",
                x.v.dispute(d).challengerWon() && !x.v.modelRegistered(syn.modelRoot()));
    }

    /** The solver calls settle twice for a second payment. */
    static Outcome doubleSettle(Arena x) {
        SyntheticDispute syn = cheat(26);
        String solver = x.a.solver();
        long id = x.committed(syn);
        dev.verity.chain.ChainSelftest.attestAll(x.v, id);
        x.pastWindow(id);
        x.v.settle(solver, id);
        x.mark(); // the first payment is the solver's due; the attack is the second
        boolean refused = reverts(() -> x.v.settle(solver, id));
        return new Outcome(List.of(solver), List.of(x.a.submitter()), "the second settle reverted", refused);
    }

    /** After the window, the solver's second account opens a dispute to hold the task (and its pay) hostage. */
    static Outcome disputeAfterWindow(Arena x) {
        SyntheticDispute syn = cheat(27);
        String sybil = x.extra.get(0);
        long id = x.committed(syn);
        dev.verity.chain.ChainSelftest.attestAll(x.v, id);
        x.pastWindow(id);
        boolean refused = reverts(() -> x.v.openDispute(sybil, id, 0));
        x.v.settle(x.a.deployer(), id);
        return new Outcome(List.of(sybil), List.of(x.a.solver()), "refused after the window; the task settled",
                refused && x.v.task(id).status() == Verity.Status.SETTLED);
    }

    /**
     * The submitter passes made-up weights off as the spec's start (a gain of 0.9 where the graph's rule says ones) and its
     * solver trains from them, so the zoo would list a model whose provenance is false. A verifier proves one element wrong.
     */
    static Outcome madeUpInitRoot(Arena x) {
        SyntheticDispute syn = cheat(41);
        InitFixture f = new InitFixture();
        long id = initTask(x, syn, f, 0.9f);
        String honest = x.a.verifiers().get(2);
        x.v.challengeInit(honest, id, f.claim(0.9f, 299));
        finish(x, id);
        boolean held = x.v.task(id).status() == Verity.Status.FAILED && !x.v.modelRegistered(syn.modelRoot());
        return new Outcome(List.of(x.a.submitter(), x.a.solver()), List.of(honest),
                "element 299 recomputed on chain is 1, not 0.9: the task failed, the solver's stake slashed (half to the claimant)", held);
    }

    /** A griefer claims against a task whose init root is right, to fail it and take the solver's stake. */
    static Outcome falseInitClaim(Arena x) {
        SyntheticDispute syn = cheat(42);
        InitFixture f = new InitFixture();
        long id = initTask(x, syn, f, 1f);
        String griefer = x.extra.get(0);
        boolean refused = reverts(() -> x.v.challengeInit(griefer, id, f.claim(1f, 7)))
                && reverts(() -> x.v.challengeInit(griefer, id, f.claim(0.9f, 7))); // a claim on another state does not prove
        dev.verity.chain.ChainSelftest.attestAll(x.v, id); // the verifiers replayed and agree
        finish(x, id);
        boolean held = refused && x.v.task(id).status() == Verity.Status.SETTLED;
        return new Outcome(List.of(griefer), List.of(x.a.solver()),
                "both claims refused (the element is right; the other state's record does not prove): the task settled", held);
    }

    /** A task of three seats (the arena's three verifiers). */
    static long threeSeatTask(Arena x, SyntheticDispute syn) {
        byte[] secret = dev.verity.chain.ChainSelftest.secret();
        return x.committed(x.a.submitter(), x.a.solver(), x.spec(syn, secret, 86400).withVerifiers(3), secret, syn.traceRoot(),
                syn.modelRoot(), true);
    }

    /**
     * A drawn verifier attests without replaying: it commits a keyed root over made-up outputs (it cannot know the op
     * outputs of the segment's last step, which nobody publishes) and hopes for the fee. The others replay.
     */
    static Outcome lazyVerifier(Arena x) {
        SyntheticDispute syn = cheat(43);
        long id = threeSeatTask(x, syn);
        List<Verity.Assignment> seats = x.v.assignments(id);
        Verity.Assignment seat = seats.get(2);
        String lazy = seat.verifier();
        long end = dev.verity.chain.SyntheticTrace.endStep(seat.segment(), syn.totalSteps, syn.interval);
        dev.verity.chain.ReplayProof madeUp = new dev.verity.chain.ReplayProof(seat.key(), new dev.verity.chain.SyntheticTrace(43).outputs(end));
        x.v.attest(lazy, id, 2, madeUp.root());
        dev.verity.chain.ChainSelftest.proveSeats(x.v, id, 0, 1);
        String refused = refusedReveal(x, id, 2, madeUp, dev.verity.chain.ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval));
        finish(x, id);
        Verity.Assignment after = x.v.assignments(id).get(2);
        boolean held = refused != null && !after.proven() && after.slashed() && x.v.task(id).status() == Verity.Status.SETTLED;
        return new Outcome(List.of(lazy), List.of(x.a.solver()),
                "its made-up replay cannot reveal the drawn chunk (" + refused + ")"
                        + ": no fee, and its seat stake is slashed once the two that replayed settled the task", held);
    }

    /**
     * A solver and a verifier collude: while training, when the solver held every output of each segment's last step, it
     * built keyed roots for its friend (the key is not drawn yet: it guesses one), so that its friend could attest without
     * replaying. The others replay.
     */
    static Outcome precomputedReplayRoot(Arena x) {
        SyntheticDispute syn = cheat(49);
        long id = threeSeatTask(x, syn);
        Verity.Assignment seat = x.v.assignments(id).get(2);
        long end = dev.verity.chain.SyntheticTrace.endStep(seat.segment(), syn.totalSteps, syn.interval);
        byte[] guessed = Sha256.hash("the key we expect".getBytes());
        dev.verity.chain.ReplayProof handed = new dev.verity.chain.ReplayProof(guessed, dev.verity.chain.ChainSelftest.TRACE.outputs(end));
        x.v.attest(seat.verifier(), id, 2, handed.root());
        dev.verity.chain.ChainSelftest.proveSeats(x.v, id, 0, 1);
        String refused = refusedReveal(x, id, 2, handed, dev.verity.chain.ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval));
        finish(x, id);
        Verity.Assignment after = x.v.assignments(id).get(2);
        boolean held = refused != null && refused.startsWith("NotInReplayRoot(") && after.slashed() && !after.proven();
        List<Verity.Assignment> seats = x.v.assignments(id);
        return new Outcome(List.of(seat.verifier()), List.of(seats.get(0).verifier(), seats.get(1).verifier()),
                "the true outputs under a guessed key do not prove under the drawn one (" + refused + "): no fee, the seat stake slashed "
                        + "(its solver trained honestly and is paid for that either way)", held);
    }

    /** The revert reason of seat {@code index}'s reveal of {@code r} at its probe, or null if the reveal went through. */
    static String refusedReveal(Arena x, long id, int index, dev.verity.chain.ReplayProof r, dev.verity.chain.ReplayProof.SegmentEnds ends) {
        Verity.Assignment seat = x.v.assignments(id).get(index);
        try {
            x.v.revealProbe(seat.verifier(), id, index, r.reveal(dev.verity.chain.ChainSelftest.drawnProbe(x.v, id, index), ends, (int) seat.segment()));
            return null;
        } catch (dev.verity.chain.Chain.RevertException e) {
            return e.reason();
        }
    }

    /**
     * The solver commits segment ends whose op traces differ from the true ones (its checkpoints are right), so that no
     * honest seat's reveal proves against them and, it hopes, the seats are slashed as lazy.
     */
    static Outcome endsRootGriefing(Arena x) {
        SyntheticDispute syn = cheat(48);
        byte[] secret = dev.verity.chain.ChainSelftest.secret();
        PostParams spec = x.spec(syn, secret, 86400).withVerifiers(3);
        long id = x.v.post(x.a.submitter(), spec);
        x.v.bid(x.a.solver(), id, Verity.ether(1));
        x.chain.advanceTime(spec.bidWindow() + 1);
        x.v.closeAuction(x.a.deployer(), id);
        dev.verity.chain.ReplayProof.SegmentEnds wrong = new dev.verity.chain.SyntheticTrace(48).ends(syn.totalSteps, syn.interval);
        x.v.commit(x.a.solver(), id, syn.traceRoot(), syn.modelRoot(), Sha256.hash("manifest".getBytes()), wrong);
        x.v.revealSeed(x.a.submitter(), id, secret);
        List<Verity.Assignment> seats = x.v.assignments(id);
        List<dev.verity.chain.ReplayProof> replays = new java.util.ArrayList<>();
        for (int i = 0; i < seats.size(); i++) {
            replays.add(dev.verity.chain.ChainSelftest.syntheticReplay(x.v, id, seats.get(i)));
            x.v.attest(seats.get(i).verifier(), id, i, replays.get(i).root());
        }
        int refused = 0;
        for (int i = 0; i < seats.size(); i++) {
            // the honest seat reveals against the ends it was given: the solver's published (wrong) ones
            if (refusedReveal(x, id, i, replays.get(i), wrong) != null) refused++;
        }
        finish(x, id);
        boolean held = refused == seats.size() && x.v.task(id).status() == Verity.Status.FAILED
                && x.v.assignments(id).stream().noneMatch(Verity.Assignment::slashed);
        List<String> honest = new java.util.ArrayList<>(seats.stream().map(Verity.Assignment::verifier).toList());
        honest.add(x.a.submitter());
        return new Outcome(List.of(x.a.solver()), honest,
                "no seat's replay proved against its ends, so the task missed its quorum and failed: the solver is not paid, nobody is slashed, "
                        + "the submitter is refunded", held);
    }

    /** A drawn verifier never shows up (it registered for the replay fees, not the work); the others replay and attest. */
    static Outcome absentVerifier(Arena x) {
        SyntheticDispute syn = cheat(44);
        long id = threeSeatTask(x, syn);
        List<Verity.Assignment> seats = x.v.assignments(id);
        String absent = seats.get(2).verifier();
        dev.verity.chain.ChainSelftest.proveSeats(x.v, id, 0, 1);
        finish(x, id);
        boolean held = seats.size() == 3 && x.v.task(id).status() == Verity.Status.SETTLED && x.v.assignments(id).get(2).slashed();
        return new Outcome(List.of(absent), List.of(x.a.solver()),
                "two of three seats proved their replays and the task settled; the absent seat's stake went to the treasury (a task that "
                        + "misses its quorum slashes no one: silence cannot be told from withheld data)", held);
    }

    /** A verifier stakes big, registers (a big draw weight), unbonds everything and hopes to be drawn and paid anyway. */
    static Outcome verifierUnbonding(Arena x) {
        SyntheticDispute syn = cheat(45);
        String quitter = x.extra.get(0);
        x.v.stake(quitter, Verity.ether(10_000));
        x.v.registerVerifier(quitter);
        x.mark();
        x.v.requestUnbond(quitter, Verity.ether(10_000));
        long id = x.committed(syn);
        boolean notSeated = x.v.assignments(id).stream().noneMatch(s -> s.verifier().equalsIgnoreCase(quitter))
                && !x.v.verifierPool().contains(quitter.toLowerCase(java.util.Locale.ROOT));
        // a seated verifier cannot unbond the stake its seat locks
        Verity.Assignment seat = x.v.assignments(id).get(0);
        boolean locked = reverts(() -> x.v.requestUnbond(seat.verifier(), x.v.staked(seat.verifier())));
        dev.verity.chain.ChainSelftest.attestAll(x.v, id);
        finish(x, id);
        return new Outcome(List.of(quitter), List.of(x.a.solver()),
                "its unbond took its weight to zero and it out of the pool at once; a seated verifier's unbond reverted", notSeated && locked);
    }

    /** One stake split over four accounts, to take more of the draw than one account with the same stake. */
    static Outcome verifierSybil(Arena x) {
        SyntheticDispute syn = cheat(46);
        java.math.BigInteger each = Verity.ether(250);
        for (int i = 0; i < 4; i++) {
            x.v.stake(x.extra.get(i), each);
            x.v.registerVerifier(x.extra.get(i));
        }
        String whole = x.extra.get(4);
        x.v.stake(whole, each.multiply(java.math.BigInteger.valueOf(4)));
        x.v.registerVerifier(whole);
        java.math.BigInteger split = java.math.BigInteger.ZERO;
        for (int i = 0; i < 4; i++) split = split.add(x.v.drawWeight(x.extra.get(i)));
        boolean proportional = split.equals(x.v.drawWeight(whole));
        long id = x.committed(syn);
        finish(x, id); // whoever was drawn, the split gained no weight (nobody attests: no fee is earned for work here)
        return new Outcome(x.extra.subList(0, 4), List.of(),
                "four accounts of 250 weigh " + tokens(split) + " in the draw, one of 1000 weighs " + tokens(x.v.drawWeight(whole)), proportional);
    }

    /**
     * The solver publishes no records of the states its claims would be proven against; the challenger demands the
     * disputed step's state. Forced to open it, a solver that posts records of another state is refused; silent, it loses.
     */
    static Outcome withheldStateRecords(Arena x) {
        SyntheticDispute syn = cheat(47);
        String solver = x.a.solver(), honest = x.a.verifiers().get(0);
        long id = x.committed(syn);
        long d = x.v.openDispute(honest, id, 1);
        x.v.round2(solver, d, syn.round2(1));
        Verity.Step st = syn.step(1, 3);
        x.v.demandState(honest, d, st, Verity.STATE_DISPUTED);
        boolean wrongRefused = reverts(() -> x.v.postState(solver, d, syn.stateRecords(syn.interval + 2)));
        boolean again = reverts(() -> x.v.demandState(honest, d, st, Verity.STATE_DISPUTED)); // an opening is due: not the challenger's move
        finish(x, id); // the solver would rather stay silent than show the state its cheat produced: it loses by timeout
        return new Outcome(List.of(solver), List.of(honest, x.a.submitter()),
                "records of another state refused; silent after the demand: lost by timeout", wrongRefused && again && x.v.dispute(d).challengerWon());
    }

    /** The solver posts the root of a 5,000-link chain (a wide reduction) and publishes no leaf, counting on its length. */
    static Outcome withheldLongChain(Arena x) {
        SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 5000, 48);
        String solver = x.a.solver(), honest = x.a.verifiers().get(1);
        long id = x.committed(syn);
        long d = x.v.openDispute(honest, id, 2);
        x.v.round2(solver, d, syn.round2(2));
        x.v.round3(honest, d, syn.round3(2, 3, syn.graphOps - 1, syn.outputElems - 1));
        x.v.round4(solver, d, syn.round4());
        boolean whole = reverts(() -> x.v.demandChain(honest, d));
        x.v.demandChainPage(honest, d, 1);
        boolean wrong = reverts(() -> x.v.postChainPage(solver, d, syn.chainPage(0).leaves(), syn.chainPage(1).path()));
        finish(x, id); // silent after the page demand: it loses by timeout
        return new Outcome(List.of(solver), List.of(honest, x.a.submitter()),
                "too long to open whole, so a page was demanded; another page's leaves were refused; silent: lost by timeout",
                whole && wrong && x.v.dispute(d).challengerWon());
    }
}

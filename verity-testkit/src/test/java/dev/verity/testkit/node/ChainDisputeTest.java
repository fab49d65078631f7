package dev.verity.testkit.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.EmbeddedChain;
import dev.verity.testkit.proof.Cheat;
import dev.verity.testkit.proof.Cheats;
import dev.verity.testkit.proof.ProofCheck;
import dev.verity.proof.dispute.HonestChallenger;
import dev.verity.proof.dispute.ChallengerMoves;
import dev.verity.proof.dispute.Defender;
import dev.verity.proof.dispute.Dispute;
import dev.verity.testkit.proof.LyingChallenger;
import dev.verity.proof.dispute.Messages;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.proof.verify.SegmentReplayer;
import dev.verity.tensor.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every cheat of the cheat library that reaches a dispute (with the structure lies of
 * {@link Cheats#structureLies()}), and every lying challenger, taken
 * through the whole dispute on the embedded EVM with the real commitments of verity-proof: the
 * contract's winner must be the Java referee's, every cheater loses, every liar loses.
 */
class ChainDisputeTest {
    record Row(String name, boolean javaChallengerWon, String javaRuling, ChainDispute.Result chain) {
    }

    @Test
    void everyCheatAndEveryLiarLosesOnChain(@TempDir Path work) throws Exception {
        List<Cheat> cheats = new ArrayList<>(Cheats.all());
        // defenders that hide the lie in the chain's structure: only the on-chain structure check catches them
        cheats.addAll(Cheats.structureLies());
        List<Row> rows = playAll(ProofCheck.small(work), work, cheats, List.of(LyingChallenger.Lie.values()), "extra-link");
        if (System.getProperty(ONLY) == null) {
            assertTrue(rows.stream().filter(r -> !r.name().startsWith("challenger-lies")).count() >= 5, "too few cheats reached a dispute");
        }
    }

    /**
     * The same on a small gpt (KJV text, 10 steps): the op kinds of a transformer (gather windows, AdamW, embedding…)
     * through the whole dispute, with a value lie, the structure lies and a lying challenger asking for the structure
     * check; prints the gas of every round (docs/dispute-protocol.md, "Gas").
     */
    /**
     * A solver that commits a made-up segment end (so that seats it colludes with prove against outputs it hands them,
     * and honest seats of that segment cannot prove) loses the dispute an honest seat opens: standing by its honest op
     * trace in round 2, to the ends claim; standing by the made-up one, the honest challenger disputes that step.
     */
    @Test
    void aMadeUpSegmentEndLosesOnChain(@TempDir Path work) throws Exception {
        TaskRun run = TaskRun.open(ProofCheck.small(work).spec(3));
        LocalBlobStore store = new LocalBlobStore(work.resolve("made-up-end"));
        Manifest honest = ProvenTraining.train(run, store, ProvenTraining.HONEST, null).manifest();
        int seg = 1;
        List<Manifest.Checkpoint> cps = new ArrayList<>(honest.checkpoints());
        Manifest.Checkpoint c = cps.get(seg + 1);
        cps.set(seg + 1, new Manifest.Checkpoint(c.step(), c.stateRoot(), c.blob(), dev.verity.merkle.Sha256.hex(dev.verity.merkle.Sha256.hash(
                "made up".getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
        Manifest m = new Manifest(honest.task(), honest.datasetRoot(), honest.graphRoot(), cps, honest.traceRoot(), honest.modelRoot(),
                honest.modelBlob());
        assertEquals("op trace", new SegmentReplayer(run, store, m).replay(seg).check(), "the seat's replay sees the made-up end");
        try (EmbeddedChain evm = new EmbeddedChain()) {
            ChainDispute cd = ChainDispute.deploy(evm);
            long task = cd.commitTask(run, m, run.initRoot(store), dev.verity.node.ReplayProofs.ends(m));
            ChainDispute.Result r = cd.play(task, run, m, store, new Defender(run, store, m, ProvenTraining.HONEST, false),
                    new HonestChallenger(run, store, m), seg);
            assertTrue(r.challengerWon(), r.how());
            assertTrue(r.how().contains("committed segment end"), r.how());
        }
        // had it posted the made-up root in round 2, the honest challenger disputes that step (its states are all right)
        Messages.SegmentRoots posted = new Defender(run, store, m, ProvenTraining.HONEST, false).segmentRoots(new Messages.OpenDispute(seg));
        List<byte[]> ots = new ArrayList<>(posted.opTraceRoots());
        // an honest defender's round 2 posts, for the last step, the very end its training committed: no ends claim fires
        assertEquals(dev.verity.merkle.Sha256.hex(honest.endOpTraceRoots().get(seg)), dev.verity.merkle.Sha256.hex(ots.get(ots.size() - 1)));
        ots.set(ots.size() - 1, m.endOpTraceRoots().get(seg));
        Messages.SegmentRoots madeUp = new Messages.SegmentRoots(posted.firstStep(), posted.stateRoots(), ots, posted.root());
        assertEquals(c.step() - 1, new HonestChallenger(run, store, m).step(new Messages.OpenDispute(seg), madeUp).agreedStep());
    }

    @Test
    void gptStructureLiesLoseOnChain(@TempDir Path work) throws Exception {
        String dataset = "kjv:20000";
        int vocab = dev.verity.proof.spec.DatasetCatalog.resolve(dataset).corpus().vocabSize();
        ProofCheck gpt = new ProofCheck(work, dataset, new ModelConfig.Gpt(1, 32, 4, 16, vocab, 0.1f), 10, 5);
        List<Cheat> cheats = new ArrayList<>();
        cheats.add(Cheats.all().stream().filter(c -> c.name().equals("noisy-updates")).findFirst().orElseThrow());
        cheats.addAll(Cheats.structureLies());
        playAll(gpt, work, cheats, List.of(LyingChallenger.Lie.LINK_STRUCTURE), null);
    }

    /**
     * Plays every cheat (and, against an honest run, every lie) in Java and on chain; asserts the winners agree, every
     * cheater and every liar loses. {@code control}: a cheat played a second time without the structure check, which
     * it must survive (the check is what catches it).
     */
    private static List<Row> playAll(ProofCheck pc, Path work, List<Cheat> cheats, List<LyingChallenger.Lie> lies, String control)
            throws Exception {
        List<Row> rows = new ArrayList<>();
        List<String> notDisputed = new ArrayList<>();
        ChainDispute.Result withoutStructure = null;
        try (EmbeddedChain evm = new EmbeddedChain()) {
            ChainDispute cd = ChainDispute.deploy(evm);
            for (Cheat cheat : cheats) {
                if (!selected(cheat.name())) {
                    continue;
                }
                TaskRun run = TaskRun.open(pc.spec(1));
                LocalBlobStore store = new LocalBlobStore(work.resolve("cheat-" + cheat.name()));
                ProvenTraining.StepFunction fn = cheat.stepFunction(run);
                Manifest m = ProvenTraining.train(run, store, fn, null).manifest();
                m = cheat.publish(run, store, m);
                SegmentReplayer verifier = new SegmentReplayer(run, store, m);
                if (!verifier.checkManifest().ok()) {
                    if (verifier.checkManifest().check().equals("checkpoints")) {
                        // a trace with another leaf count than segments + 1: the challenger opens the task's last segment
                        // without a proof, and the solver cannot open its trace there (round 2) and loses by timeout
                        long task = cd.commitTask(run, m, store);
                        int last = Math.toIntExact(Math.ceilDiv(run.spec().train().steps(), (long) run.spec().checkpointInterval())) - 1;
                        ChainDispute.Result onChain = cd.play(task, run, m, store, new Defender(run, cheat.defenderRun(run), store, m, fn,
                                cheat.defenderLie()), new HonestChallenger(run, store, m), last);
                        assertTrue(onChain.challengerWon(), cheat.name() + ": the solver could open a trace of the wrong length");
                        rows.add(new Row(cheat.name(), true, "manifest: " + verifier.checkManifest().check(), onChain));
                        continue;
                    }
                    if (verifier.checkManifest().check().equals("final model")) {
                        // the model claim: a dispute of the last segment, where the committed model's record of a weight is
                        // not the final checkpoint's
                        long task = cd.commitTask(run, m, store);
                        ChainDispute.Result onChain = cd.play(task, run, m, store, new Defender(run, cheat.defenderRun(run), store, m, fn,
                                cheat.defenderLie()), new HonestChallenger(run, store, m), verifier.segments() - 1);
                        assertTrue(onChain.challengerWon(), cheat.name() + ": the forged model survived the model claim: " + onChain.how());
                        rows.add(new Row(cheat.name(), true, "manifest: " + verifier.checkManifest().check(), onChain));
                        continue;
                    }
                    if (verifier.checkManifest().check().equals("initial state")) {
                        // a made-up start: checkpoint 0 is not the task's init root, which round 2 of a dispute of segment 0
                        // checks (the replays of every segment may well match: the training from it is honest)
                        long task = cd.commitTask(run, m, store);
                        ChainDispute.Result onChain = cd.play(task, run, m, store, new Defender(run, cheat.defenderRun(run), store, m, fn,
                                cheat.defenderLie()), new HonestChallenger(run, store, m), 0);
                        assertTrue(onChain.challengerWon(), cheat.name() + ": a made-up checkpoint 0 survived round 2: " + onChain.how());
                        rows.add(new Row(cheat.name(), true, "manifest: initial state", onChain));
                        continue;
                    }
                    // another run's proof (another seed, so another graph): its checkpoints were saved by that run (the
                    // replayer refuses them as this task's), and no step of this task's graph leads from them to the next;
                    // the first such segment is disputed as any other cheat's
                    int mismatch = -1;
                    for (int i = 0; i < verifier.segments() && mismatch < 0; i++) {
                        String check = verifier.replay(i).check();
                        if (check.equals("replay") || check.equals("data")) {
                            mismatch = i;
                        }
                    }
                    if (mismatch >= 0) {
                        long task = cd.commitTask(run, m, store);
                        ChainDispute.Result onChain = cd.play(task, run, m, store, new Defender(run, cheat.defenderRun(run), store, m, fn,
                                cheat.defenderLie()), new HonestChallenger(run, store, m), mismatch);
                        assertTrue(onChain.challengerWon(), cheat.name() + ": survived a dispute of segment " + mismatch + ": " + onChain.how());
                        rows.add(new Row(cheat.name(), true, "manifest: " + verifier.checkManifest().check() + ", replay of segment " + mismatch,
                                onChain));
                        continue;
                    }
                    notDisputed.add(cheat.name() + " (manifest: " + verifier.checkManifest().check() + ")");
                    continue;
                }
                int seg = -1;
                for (int i = 0; i < verifier.segments() && seg < 0; i++) {
                    if (!verifier.replay(i).ok()) {
                        seg = i;
                    }
                }
                assertTrue(seg >= 0, cheat.name() + " was not caught by replay");
                Dispute.Result java = Dispute.run(run, m, new Defender(run, cheat.defenderRun(run), store, m, fn, cheat.defenderLie()),
                        new HonestChallenger(run, store, m), seg, null);
                long task = cd.commitTask(run, m, store);
                ChainDispute.Result onChain = cd.play(task, run, m, store, new Defender(run, cheat.defenderRun(run), store, m, fn, cheat.defenderLie()),
                        new HonestChallenger(run, store, m), seg);
                rows.add(new Row(cheat.name(), java.ruling().defenderLost(), java.ruling().toString(), onChain));
                if (cheat.name().equals(control)) {
                    // the control: without the structure check the same lie survives on chain (the link recomputes)
                    long again = cd.commitTask(run, m, store);
                    withoutStructure = cd.play(again, run, m, store, new Defender(run, cheat.defenderRun(run), store, m, fn, cheat.defenderLie()),
                            noStructure(new HonestChallenger(run, store, m)), seg);
                }
            }
            TaskRun run = TaskRun.open(pc.spec(2));
            LocalBlobStore store = new LocalBlobStore(work.resolve("honest"));
            Manifest m = ProvenTraining.train(run, store, ProvenTraining.HONEST, null).manifest();
            for (LyingChallenger.Lie lie : lies) {
                if (!selected("challenger-lies-" + lie.name().toLowerCase(Locale.ROOT))) {
                    continue;
                }
                Dispute.Result java = Dispute.run(run, m, new Defender(run, store, m, ProvenTraining.HONEST, false),
                        new LyingChallenger(run, lie), 1, null);
                long task = cd.commitTask(run, m, store);
                ChainDispute.Result onChain = cd.play(task, run, m, store, new Defender(run, store, m, ProvenTraining.HONEST, false),
                        new LyingChallenger(run, lie), 1);
                rows.add(new Row("challenger-lies-" + lie.name().toLowerCase(Locale.ROOT), java.ruling().defenderLost(),
                        java.ruling().toString(), onChain));
            }
        }
        System.out.printf("%-32s %-10s %-10s %5s %8s %8s %8s %8s %8s %9s  %s%n", "case", "java", "on chain", "round", "r1", "r2", "r3", "r4",
                "r5+", "total", "decided by");
        for (Row r : rows) {
            ChainDispute.Result c = r.chain();
            System.out.printf("%-32s %-10s %-10s %5d %8d %8d %8d %8d %8d %9d  %s%n", r.name(), winner(r.javaChallengerWon()),
                    winner(c.challengerWon()), c.decidedRound(), c.gasOfRound(1), c.gasOfRound(2), c.gasOfRound(3), c.gasOfRound(4), c.gasOfRound(5),
                    c.totalGas(), c.how());
        }
        System.out.println("not disputed (caught before a dispute): " + notDisputed);
        assertTrue(notDisputed.isEmpty(), "every cheat must be won on chain, not only refused an attestation: " + notDisputed);
        if (withoutStructure != null) {
            System.out.println(control + " without the structure check: " + winner(withoutStructure.challengerWon()) + " wins ("
                    + withoutStructure.how() + ")");
            assertFalse(withoutStructure.challengerWon(), control + " is caught without the structure check: the control shows nothing");
        }
        for (Row r : rows) {
            assertEquals(r.javaChallengerWon(), r.chain().challengerWon(), r.name() + ": on-chain winner differs from the Java referee's (" + r.javaRuling()
                    + ") — on chain: " + r.chain().how());
            if (r.name().startsWith("challenger-lies")) {
                assertFalse(r.chain().challengerWon(), r.name() + ": the lying challenger won on chain");
            } else {
                assertTrue(r.chain().challengerWon(), r.name() + ": the cheater won on chain");
            }
        }
        return rows;
    }

    /** Comma-separated case names to play (all when unset): e.g. {@code -Dverity.dispute.only=extra-link,challenger-lies-link}. */
    private static final String ONLY = "verity.dispute.only";

    private static boolean selected(String name) {
        String only = System.getProperty(ONLY);
        return only == null || List.of(only.split(",")).contains(name);
    }

    /** The same challenger, never asking for the structure check in round 5. */
    private static ChallengerMoves noStructure(ChallengerMoves c) {
        return new ChallengerMoves() {
            @Override
            public Messages.OpenDispute open(int segment) {
                return c.open(segment);
            }

            @Override
            public Messages.DisputeStep step(Messages.OpenDispute open, Messages.SegmentRoots roots) throws Exception {
                return c.step(open, roots);
            }

            @Override
            public Messages.Claim claim(Messages.OpTrace trace, dev.verity.tensor.train.TrainingState next) {
                return c.claim(trace, next);
            }

            @Override
            public Messages.DisputeLink link(Messages.ElementClaim claim, Messages.ElementChainMsg chain) {
                return new Messages.DisputeLink(c.link(claim, chain).link());
            }
        };
    }

    private static String winner(boolean challenger) {
        return challenger ? "challenger" : "defender";
    }
}

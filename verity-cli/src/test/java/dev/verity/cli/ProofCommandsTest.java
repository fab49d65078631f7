package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProofCommandsTest {
    static final String[] SMALL = {"--model", "mlp", "--steps", "12", "--batch", "16", "--checkpoint-interval", "4",
        "--dataset", "fashion-mnist:1000", "--quiet"};

    static String[] args(String first, Path dir, String... more) {
        String[] a = new String[2 + SMALL.length + more.length];
        a[0] = first;
        a[1] = "--prove=" + dir;
        System.arraycopy(SMALL, 0, a, 2, SMALL.length);
        System.arraycopy(more, 0, a, 2 + SMALL.length, more.length);
        return a;
    }

    @Test
    void honestProofVerifiesAndHasNothingToDispute(@TempDir Path dir) {
        TrainCommandTest.Result t = TrainCommandTest.run(args("train", dir));
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("trace root") && t.out().contains("% of training"), t.out());
        TrainCommandTest.Result v = TrainCommandTest.run("verify", dir.toString(), "--segments", "0");
        assertEquals(0, v.code(), v.out() + v.err());
        assertTrue(v.out().contains("verdict: valid"), v.out());
        TrainCommandTest.Result d = TrainCommandTest.run("dispute", dir.toString(), "--segment", "1");
        assertEquals(0, d.code(), d.err());
        assertTrue(d.out().contains("nothing to dispute"), d.out());
        TrainCommandTest.Result c = TrainCommandTest.run("dispute", dir.toString(), "--segment", "1", "--on-chain");
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("nothing to dispute") && !c.out().contains("on chain"), c.out());
    }

    @Test
    void cheatingProofFailsVerificationAndLosesTheDispute(@TempDir Path dir) {
        TrainCommandTest.Result t = TrainCommandTest.run(args("train", dir, "--cheat", "skipped-steps"));
        assertEquals(0, t.code(), t.err());
        TrainCommandTest.Result v = TrainCommandTest.run("verify", dir.toString(), "--segments", "0");
        assertEquals(1, v.code(), v.out());
        assertTrue(v.out().contains("MISMATCH") && v.out().contains("verdict: invalid"), v.out());
        TrainCommandTest.Result d = TrainCommandTest.run("dispute", dir.toString(), "--segment", "1");
        assertEquals(0, d.code(), d.err());
        assertTrue(d.out().contains("round 5 (challenger)") && d.out().contains("the solver loses"), d.out());
    }

    /**
     * A cheat on an imported ONNX model (a small CNN with BatchNorm) on a published dataset, disputed through the contracts:
     * the solver loses in round 5 and the printed total is the sum of every transaction's gas.
     */
    @Test
    void cheatOnAnImportedModelLosesTheDisputeOnChainAndEveryTransactionHasItsGas(@TempDir Path dir) throws Exception {
        Path proof = importedProof(dir, "skipped-steps");
        assertSolverLosesOnChain(proof, 1);
    }

    /**
     * An imported model trained with proof as {@code cheat}, in segments of 2 steps: on chain the solver publishes every
     * step of the disputed segment's op trace in round 2, one blob a 256-float chunk, and short segments keep that short.
     */
    private static Path importedProof(Path dir, String cheat) throws Exception {
        Path files = Files.createDirectories(dir.resolve("files"));
        for (String f : List.of("model.onnx", "data.npz")) {
            try (var in = dev.verity.testkit.proof.ProofCheck.class.getResourceAsStream("imported/" + f)) {
                Files.copy(in, files.resolve(f));
            }
        }
        Path proof = dir.resolve("proof");
        TrainCommandTest.Result t = TrainCommandTest.run("train", "--model", files.resolve("model.onnx").toString(), "--data",
                files.resolve("data.npz").toString(), "--steps", "6", "--batch", "8", "--checkpoint-interval", "2", "--quiet",
                "--prove=" + proof, "--cheat", cheat);
        assertEquals(0, t.code(), t.out() + t.err());
        return proof;
    }

    /** One row of the on-chain table: round, transaction, gas, seconds. */
    private static final Pattern ROW = Pattern.compile("(?m)^(\\d+)\\s+(\\S.*?)\\s+([\\d,]+)\\s+(\\d+\\.\\d)$");
    private static final Pattern TOTAL = Pattern.compile("total: ([\\d,]+) gas in (\\d+) transactions");

    /** Plays {@code dir}'s dispute of {@code segment} on chain; the solver must lose, and the total must be the rows' gas. */
    private static void assertSolverLosesOnChain(Path dir, int segment) {
        TrainCommandTest.Result d = TrainCommandTest.run("dispute", dir.toString(), "--segment", Integer.toString(segment), "--on-chain");
        assertEquals(0, d.code(), d.out() + d.err());
        String out = d.out();
        assertTrue(out.contains("dispute on chain: the solver loses"), out);
        List<Long> gas = new ArrayList<>();
        List<Integer> rounds = new ArrayList<>();
        Matcher m = ROW.matcher(out);
        while (m.find()) {
            rounds.add(Integer.parseInt(m.group(1)));
            gas.add(Long.parseLong(m.group(3).replace(",", "")));
            assertFalse(m.group(2).startsWith("reverted"), "the contracts rejected a move: " + out);
        }
        // a cheat caught by replay is ruled on one basic operation: the challenger's round 5 decides, nobody times out
        assertEquals(List.of(1, 2, 3, 4, 5), rounds.stream().distinct().toList(), out);
        assertFalse(out.contains("timeout"), out);
        assertTrue(gas.stream().allMatch(g -> g > 21_000), "a transaction costs at least its 21,000 base gas: " + out);
        Matcher total = TOTAL.matcher(out);
        assertTrue(total.find(), out);
        assertEquals(gas.stream().mapToLong(Long::longValue).sum(), Long.parseLong(total.group(1).replace(",", "")), out);
        assertEquals(gas.size(), Integer.parseInt(total.group(2)), out);
    }

    /** A forged final model: every step replays, the manifest does not; on chain the model claim of the last segment wins. */
    @Test
    void forgedFinalModelLosesTheModelClaimOnChain(@TempDir Path dir) throws Exception {
        dir = importedProof(dir, "forged-final-model");
        TrainCommandTest.Result off = TrainCommandTest.run("dispute", dir.toString(), "--segment", "2");
        assertEquals(0, off.code(), off.err());
        assertTrue(off.out().contains("manifest: INVALID") && off.out().contains("--on-chain"), off.out());
        TrainCommandTest.Result d = TrainCommandTest.run("dispute", dir.toString(), "--segment", "2", "--on-chain");
        assertEquals(0, d.code(), d.out() + d.err());
        assertTrue(d.out().contains("claimModel") && d.out().contains("dispute on chain: the solver loses"), d.out());
    }

    @Test
    void onChainDisputeOfAMissingSegmentSaysWhich(@TempDir Path dir) {
        TrainCommandTest.Result t = TrainCommandTest.run(args("train", dir));
        assertEquals(0, t.code(), t.err());
        TrainCommandTest.Result d = TrainCommandTest.run("dispute", dir.toString(), "--segment", "3", "--on-chain");
        assertTrue(d.code() != 0 && d.err().startsWith("verity: ") && d.err().contains("--segment must be in [0, 3)"), d.err());
    }

    @Test
    void badProofDirectoriesGiveOneLine(@TempDir Path dir) {
        TrainCommandTest.Result v = TrainCommandTest.run("verify", dir.resolve("nope").toString());
        assertTrue(v.code() != 0 && v.err().startsWith("verity: ") && v.err().contains("not a proof directory"), v.err());
        TrainCommandTest.Result w = TrainCommandTest.run("verify", dir.toString());
        assertTrue(w.code() != 0 && w.err().contains("has no spec.json"), w.err());
    }
}

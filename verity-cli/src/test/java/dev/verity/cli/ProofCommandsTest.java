package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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

    @Test
    void badProofDirectoriesGiveOneLine(@TempDir Path dir) {
        TrainCommandTest.Result v = TrainCommandTest.run("verify", dir.resolve("nope").toString());
        assertTrue(v.code() != 0 && v.err().startsWith("verity: ") && v.err().contains("not a proof directory"), v.err());
        TrainCommandTest.Result w = TrainCommandTest.run("verify", dir.toString());
        assertTrue(w.code() != 0 && w.err().contains("has no spec.json"), w.err());
    }
}

package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code verity econ simulate}: its options, its table, its chart and its last line (the simulation itself: EconSimulationTest). */
class EconCommandTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "econ simulate --tasks 3|--tasks must be in [10, 20000]",
        "econ simulate --rules lax|no rule set 'lax' (known: default, bad)",
        "econ simulate --cost-share 1.5|costShare must be in (0, 1)",
        "econ simulate --replay-fee-bps 5000|replayFeeBps 5000 is below the floor replayFeeFloorBps 10000",
        "econ simulate --forced-error-ppm 2000000|forcedErrorPpm must be in [0, 1000000]",
    })
    void badOptionsGiveOneClearLineAndNonZeroExit(String args, String expected) {
        TrainCommandTest.Result r = TrainCommandTest.run(args.split(" "));
        assertTrue(r.code() != 0, "exit code");
        assertTrue(r.err().contains("verity: ") && r.err().contains(expected), "stderr was: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void theBadRulesFailTheRunWithTheirDeviationsCounted(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("bad.png");
        TrainCommandTest.Result r = TrainCommandTest.run("econ", "simulate", "--tasks", "40", "--rules", "bad", "--chart", png.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.matches("strategies: \\d+, profitable deviations: [1-9]\\d*, honest profit > 0: no"), last);
        assertTrue(r.out().contains("tokens conserved:") && r.out().contains(" tasks/s, "), r.out());
        assertTrue(Files.size(png) > 1000, "the chart was written");
    }
}

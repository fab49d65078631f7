package dev.verity.testkit.econ;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.Verity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small run of the economic simulation on the real contracts (60 tasks: 12 per solver strategy). Conservation and
 * escrow are checked inside the run (it throws on the first difference); here the outcomes the incentives argument
 * predicts are checked against what the agents really earned.
 */
class EconSimulationTest {
    static Simulation.Result result;
    static Report report;

    @BeforeAll
    static void run() {
        org.junit.jupiter.api.Assumptions.assumeTrue(EmbeddedChain.isSupported(), EmbeddedChain.unsupportedReason());
        result = Simulation.run(new Simulation.Settings(60, 7, Rules.defaults(), Economy.defaults()), null);
        report = Report.of(result);
    }

    @Test
    void everyTaskEndsAndNoEscrowIsLeft() {
        int ended = result.statuses().getOrDefault(Verity.Status.SETTLED, 0) + result.statuses().getOrDefault(Verity.Status.FAILED, 0)
                + result.statuses().getOrDefault(Verity.Status.CANCELLED, 0);
        assertEquals(60, ended, "every task ends Settled, Failed or Cancelled: " + result.statuses());
        assertTrue(result.gasPerTask() > 100_000, "the tasks ran through the contracts: " + result.gasPerTask() + " gas a task");
    }

    @Test
    void honestSolversAndVerifiersEarn() {
        assertTrue(report.row(Strategy.HONEST_SOLVER).sample().mean() > 0, "honest solver: " + report.row(Strategy.HONEST_SOLVER).sample().mean());
        assertTrue(report.row(Strategy.DILIGENT).sample().mean() > 0, "diligent verifier: " + report.row(Strategy.DILIGENT).sample().mean());
        assertTrue(report.honestProfits());
    }

    @Test
    void aCheaterThatSkipsEverythingLosesItsStake() {
        Sample cheat = report.row(Strategy.CHEAT_100).sample();
        // caught by any diligent seat, it forfeits its pay and its stake (the pay at the maximum price)
        assertTrue(cheat.mean() < -0.5 * TaskRound.WORK_UNITS, "cheat-1.0 nets " + cheat.mean() + " VRT a task");
        assertFalse(report.row(Strategy.CHEAT_100).profitable());
    }

    @Test
    void aLazyVerifierDoesNotBeatADiligentOne() {
        Report.Row lazy = report.row(Strategy.LAZY);
        assertTrue(lazy.sample().mean() < report.row(Strategy.DILIGENT).sample().mean(), "lazy " + lazy.sample().mean() + " vs diligent "
                + report.row(Strategy.DILIGENT).sample().mean());
        assertFalse(lazy.profitable());
        assertFalse(report.row(Strategy.GRIEFING).profitable(), "griefing loses its bonds");
        assertTrue(report.row(Strategy.GRIEFING).sample().mean() < 0);
    }

    /**
     * A seat that colludes with its solver proves its replay only with the outputs of its segment's last step under its
     * key, which its solver, keeping checkpoints, can give it only by replaying the segment: it saves nothing (the run
     * before the keyed replay proof found it +127 VRT a seat over a diligent one, for it copied the solver's losses).
     */
    @Test
    void aColludingVerifierDoesNotBeatADiligentOne() {
        Report.Row colluding = report.row(Strategy.COLLUDING);
        assertFalse(colluding.profitable(), "colluding " + colluding.sample().mean() + " ± " + colluding.sample().halfWidth() + " vs diligent "
                + report.row(Strategy.DILIGENT).sample().mean());
    }

    @Test
    void theChartIsWritten(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("econ.png");
        Simulation.chart(result, png);
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', "a PNG of " + head.length + " bytes");
    }

    @Test
    void underTheBadRulesALazyVerifierBeatsADiligentOneAndTheRunFails() {
        // replay fee and floor 0, no forced errors: a replay only costs, a lazy seat only risks its seat stake
        Simulation.Result bad = Simulation.run(new Simulation.Settings(150, 11, Rules.bad(), Economy.defaults()), null);
        Report r = Report.of(bad);
        assertTrue(r.row(Strategy.LAZY).profitable(), "lazy " + r.row(Strategy.LAZY).sample().mean() + " ± " + r.row(Strategy.LAZY).sample().halfWidth()
                + " vs diligent " + r.row(Strategy.DILIGENT).sample().mean());
        assertTrue(r.row(Strategy.DILIGENT).sample().mean() < 0, "a diligent seat pays for its replay and is paid nothing");
        assertFalse(r.honestProfits());
        assertFalse(r.passed());
        assertTrue(r.profitableDeviations() > 0, r.finalLine());
    }

    @Test
    void aDeviationThatPaysMoreThanItsIntervalIsCountedAndFailsTheRun() {
        java.util.Map<Strategy, Sample> profit = new java.util.EnumMap<>(Strategy.class);
        for (Strategy s : Strategy.values()) profit.put(s, new Sample());
        for (int i = 0; i < 40; i++) {
            profit.get(Strategy.HONEST_SOLVER).add(100 + i % 7);
            profit.get(Strategy.DILIGENT).add(10 + i % 3);
            profit.get(Strategy.LAZY).add(20 + i % 3); // saves the replay and is paid anyway
            profit.get(Strategy.COLLUDING).add(10 + i % 3); // no better than diligent: within its interval
        }
        Simulation.Result fake = new Simulation.Result(result.settings(), profit, result.byLazySeats(), result.submitter(), 40, result.statuses(), 1,
                1, new Sample(), "0", 0, java.util.Map.of());
        Report r = Report.of(fake);
        assertTrue(r.row(Strategy.LAZY).profitable());
        assertFalse(r.row(Strategy.COLLUDING).profitable());
        assertEquals(1, r.profitableDeviations());
        assertFalse(r.passed());
        assertTrue(r.finalLine().endsWith("profitable deviations: 1, honest profit > 0: yes"), r.finalLine());
    }

    @Test
    void aSampleGivesTheMeanAndStudentsInterval() {
        Sample x = new Sample();
        for (double v : new double[] {2, 4, 4, 4, 5, 5, 7, 9}) x.add(v);
        assertEquals(5.0, x.mean(), 1e-12);
        assertEquals(Math.sqrt(32.0 / 7), x.sd(), 1e-12);
        assertEquals(2.365 * Math.sqrt(32.0 / 7) / Math.sqrt(8), x.halfWidth(), 1e-9); // t(0.975, 7) = 2.365
        assertEquals(1.984, Sample.t975(100), 0.001);
        Sample one = new Sample();
        one.add(3);
        assertEquals(Double.POSITIVE_INFINITY, one.halfWidth(), "one sample bounds nothing");
        assertThrows(IllegalArgumentException.class, () -> one.add(Double.NaN));
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Economy(1.2, 0));
        assertTrue(e.getMessage().contains("costShare"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rules.defaults().withReplayFee(10_000, 5_000));
        assertTrue(e.getMessage().contains("below the floor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Simulation.Settings(3, 1, Rules.defaults(), Economy.defaults()));
        assertTrue(e.getMessage().contains("--tasks"), e.getMessage());
    }
}

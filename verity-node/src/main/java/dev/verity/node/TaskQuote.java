package dev.verity.node;

import dev.verity.chain.TaskRules;
import dev.verity.chain.PostParams;
import dev.verity.proof.spec.TaskRun;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;

/**
 * What a task costs and how well it is checked (docs/incentives.md): its work units, the segments a verifier replays one
 * of, the floors the market enforces (a replay fee that pays one segment's work at the maximum price, a solver stake that
 * covers the most it can be paid), the verification overhead, and for each fraction of the work a cheater could skip the
 * probability that a drawn verifier replays a skipped segment and the cheater's expected gain over training honestly.
 *
 * @param workUnits        the task's work units (its graph's FLOPs times its steps)
 * @param steps            its steps
 * @param interval         its checkpoint interval c: a verifier replays one segment of c steps, drawn uniformly
 * @param verifiers        seats drawn
 * @param maxPricePerUnit  the most the submitter pays per work unit
 * @param rules            the protocol's rules a task posted now is held to (fee, floors, forced errors)
 */
public record TaskQuote(long workUnits, long steps, long interval, int verifiers, BigInteger maxPricePerUnit, TaskRules rules) {
    public TaskQuote {
        if (workUnits < 1 || steps < 1 || interval < 1) {
            throw new IllegalArgumentException("a task has at least one work unit, one step and a positive checkpoint interval");
        }
        if (verifiers < 1 || verifiers > 16) {
            throw new IllegalArgumentException("verifiers must be 1 to 16, got " + verifiers);
        }
        if (maxPricePerUnit == null || maxPricePerUnit.signum() <= 0) {
            throw new IllegalArgumentException("the maximum price per work unit must be positive");
        }
        if (rules == null) {
            throw new IllegalArgumentException("a quote needs the protocol's task rules");
        }
    }

    public static TaskQuote of(TaskRun run, BigInteger maxPricePerUnit, int verifiers, TaskRules rules) {
        return new TaskQuote(run.workUnits(), run.spec().train().steps(), run.spec().checkpointInterval(), verifiers, maxPricePerUnit, rules);
    }

    private static BigInteger bps(BigInteger v, int bps) {
        return v.multiply(BigInteger.valueOf(bps)).divide(BigInteger.valueOf(10_000));
    }

    /** Checkpoint segments; a verifier replays one, drawn uniformly. */
    public long segments() {
        return Math.ceilDiv(steps, interval);
    }

    /** The work units of a full segment: what one replay costs. */
    public long segmentWork() {
        return Math.ceilDiv(Math.multiplyExact(workUnits, Math.min(interval, steps)), steps);
    }

    /** The most the solver can be paid. */
    public BigInteger maxPay() {
        return BigInteger.valueOf(workUnits).multiply(maxPricePerUnit);
    }

    /** The replay fee floor (ProtocolParams's {@code ReplayFeeTooLow}): the rules' share of one segment's work at the maximum price. */
    public BigInteger replayFeeFloor() {
        return bps(PostParams.replayFeeFloor(workUnits, steps, interval, maxPricePerUnit), rules.replayFeeFloorBps());
    }

    /** The solver stake floor (ProtocolParams's {@code SolverStakeTooLow}): the rules' share of the most it can be paid. */
    public BigInteger stakeFloor() {
        return bps(maxPay(), rules.minStakeBps());
    }

    /** The market's fee on the most the solver can be paid. */
    public BigInteger maxFee() {
        return bps(maxPay(), rules.feeBps());
    }

    /**
     * The stake each seat locks (ProtocolParams.admit): the rules' seat stake, raised to the replay fee, so a seat that did
     * not replay loses more where it is caught than it wins where its draw lands on an op anyone can compute.
     */
    public BigInteger seatStake(BigInteger replayFee) {
        return rules.seatStake().max(replayFee);
    }

    /** The bond a challenge of the task pulls (ProtocolParams.admit): the rules' bond, capped at the solver's stake. */
    public BigInteger challengeBond(BigInteger solverStake) {
        return rules.challengeBond().min(solverStake);
    }

    /** Replayed work over trained work: each seat replays one segment. */
    public double verificationOverhead() {
        return verifiers * (double) segmentWork() / workUnits;
    }

    /** The escrow a post takes at {@code replayFee}: the most pay, the fee on it, every replay fee. */
    public BigInteger escrow(BigInteger replayFee) {
        return maxPay().add(maxFee()).add(BigInteger.valueOf(verifiers).multiply(replayFee));
    }

    /**
     * The probability that at least one of the seats replays one of {@code skipped} cheated segments, when a share
     * {@code lazy} of the verifiers attests without replaying: each seat's segment is drawn uniformly and independently.
     */
    public double detection(long skipped, double lazy) {
        double hit = (1 - lazy) * Math.min(skipped, segments()) / segments();
        return 1 - Math.pow(1 - hit, verifiers);
    }

    /**
     * A cheater's expected gain over training honestly, in units of the most it can be paid, for skipping {@code skipped}
     * segments whose compute costs it as much as it is paid (the worst case for the protocol): it saves that work, and when
     * caught loses the pay and at least half its stake ({@code stake} in units of the pay: a caught cheater's own account
     * can win the dispute first and take the challenger's half back).
     */
    public double cheaterGain(long skipped, double lazy, double stake) {
        double f = Math.min(skipped, segments()) / (double) segments();
        return f - detection(skipped, lazy) * (1 + stake / 2);
    }

    /** Prints the quote as {@code verity task quote} does. */
    public void print(PrintWriter out, BigInteger replayFee, BigInteger solverStake) {
        out.printf(Locale.ROOT, "work:          %,d work units in %,d segments of %,d%n", workUnits, segments(), segmentWork());
        out.printf(Locale.ROOT, "price:         at most %s VRT a unit: the solver is paid at most %s VRT, the market's fee %s%n",
                vrt(maxPricePerUnit), vrt(maxPay()), vrt(maxFee()));
        out.printf(Locale.ROOT, "verifiers:     %d seats, each replays one segment: %.2f%% of the work replayed%n", verifiers,
                100 * verificationOverhead());
        out.printf(Locale.ROOT, "replay fee:    %s VRT a seat (floor %s: one segment's work at the maximum price)%n", vrt(replayFee),
                vrt(replayFeeFloor()));
        out.printf(Locale.ROOT, "solver stake:  %s VRT (floor %s: the most it can be paid)%n", vrt(solverStake), vrt(stakeFloor()));
        out.printf(Locale.ROOT, "seat stake:    %s VRT a seat, locked until the task ends (the rules' %s, raised to the replay fee)%n",
                vrt(seatStake(replayFee)), vrt(rules.seatStake()));
        out.printf(Locale.ROOT, "forced errors: %.2f%% of seats; a caught one wins its share of %s VRT (%.0f%% of the fee, to the jackpot pool)%n",
                rules.forcedErrorPpm() / 1e4, vrt(bps(maxFee(), rules.jackpotShareBps())), rules.jackpotShareBps() / 100.0);
        out.printf(Locale.ROOT, "disputes:      a challenge bonds %s VRT (the solver's if the challenger loses); each move within %,d s or it loses%n",
                vrt(challengeBond(solverStake)), roundTimeout());
        out.printf(Locale.ROOT, "escrow:        %s VRT%n", vrt(escrow(replayFee)));
        double stake = new BigDecimal(solverStake).divide(new BigDecimal(maxPay()), 6, java.math.RoundingMode.HALF_EVEN).doubleValue();
        out.println("a cheater skipping part of the work, its compute costing what it is paid (gain over honest training, in units of the pay):");
        out.printf(Locale.ROOT, "  %-10s %9s %14s %14s %14s %14s%n", "skipped", "segments", "P(caught)", "gain", "P(1/3 lazy)", "gain");
        boolean pays = false;
        for (double f : new double[] {0, 0.01, 0.1, 0.5, 1}) {
            long k = f == 0 ? 1 : Math.max(1, Math.round(f * segments()));
            String label = f == 0 ? "1 segment" : String.format(Locale.ROOT, "%.0f%%", 100 * f);
            double g0 = cheaterGain(k, 0, stake);
            double g1 = cheaterGain(k, 1.0 / 3, stake);
            pays |= g0 > 1e-9 || g1 > 1e-9; // break-even (one seat, a third lazy) is not a gain; rounding noise is not either
            out.printf(Locale.ROOT, "  %-10s %9d %14.4f %+14.4f %14.4f %+14.4f%n", label, k, detection(k, 0), g0, detection(k, 1.0 / 3), g1);
        }
        out.println(pays ? "some skipped fraction pays at these parameters: raise the stake or the verifiers"
                : "no skipped fraction pays, with diligent verifiers or a third of them lazy");
    }

    static String vrt(BigInteger wei) {
        return new BigDecimal(wei).movePointLeft(18).stripTrailingZeros().toPlainString();
    }

    /** ProtocolParams.MIN_WINDOW and MIN_WORK_UNITS_PER_SECOND: the floors of a task's windows. */
    public static final long MIN_WINDOW = 600;
    public static final long MIN_WORK_UNITS_PER_SECOND = 1_000;

    /** The commit window's floor (ProtocolParams.windowFloors): the whole work at the slowest solver the floors allow for. */
    public long commitWindowFloor() {
        return MIN_WINDOW + workUnits / MIN_WORK_UNITS_PER_SECOND;
    }

    /** The verify window's floor: one full segment's replay at that speed. */
    public long verifyWindowFloor() {
        return MIN_WINDOW + segmentWork() / MIN_WORK_UNITS_PER_SECOND;
    }

    /** The seconds each move of a dispute of the task has (ProtocolParams.admit): the rules', raised to the verify window's floor. */
    public long roundTimeout() {
        return Math.max(rules.roundTimeout(), verifyWindowFloor());
    }

    /** {@code replayFee} raised to the floor if below it. */
    public BigInteger atLeastReplayFloor(BigInteger replayFee) {
        return replayFee.max(replayFeeFloor());
    }

    /** {@code stake} raised to the floor if below it. */
    public BigInteger atLeastStakeFloor(BigInteger stake) {
        return stake.max(stakeFloor());
    }

}

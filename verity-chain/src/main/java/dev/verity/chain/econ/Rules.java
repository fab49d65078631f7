package dev.verity.chain.econ;

import dev.verity.chain.Verity;
import java.math.BigInteger;
import java.util.Locale;

/**
 * The rules the simulated tasks are held to: every rule set the simulation knows lives here ({@link #defaults()},
 * {@link #bad()}). {@code replayFeeBps} is what the simulated submitters post as the replay fee, a share of one segment's
 * work at the task's maximum price; {@code replayFeeFloorBps} is the market's floor for it. The rest mirror
 * ProtocolParams.Rules: the protocol fee, a verifier seat's stake, the solver's stake floor, the forced-error rate and
 * the jackpot.
 */
public record Rules(String name, int feeBps, BigInteger seatStake, int minStakeBps, int replayFeeFloorBps, int replayFeeBps, int jackpotShareBps,
        int forcedErrorPpm, int jackpotMultiple) {
    public Rules {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a rule set needs a name");
        range("feeBps", feeBps, 0, 2_000);
        if (seatStake == null || seatStake.signum() <= 0) throw new IllegalArgumentException("seatStake must be positive, got " + seatStake);
        range("minStakeBps", minStakeBps, 10_000, 50_000);
        range("replayFeeFloorBps", replayFeeFloorBps, 0, 50_000);
        range("replayFeeBps", replayFeeBps, 0, 50_000);
        if (replayFeeBps < replayFeeFloorBps) {
            throw new IllegalArgumentException("replayFeeBps " + replayFeeBps + " is below the floor replayFeeFloorBps " + replayFeeFloorBps
                    + ": the market would refuse every task");
        }
        range("jackpotShareBps", jackpotShareBps, 0, 10_000);
        range("forcedErrorPpm", forcedErrorPpm, 0, 100_000);
        range("jackpotMultiple", jackpotMultiple, 0, 1_000);
    }

    private static void range(String what, long v, long min, long max) {
        if (v < min || v > max) throw new IllegalArgumentException(what + " must be in [" + min + ", " + max + "], got " + v);
    }

    /** The deployment's defaults: a fee of 2.5%, 100 VRT a seat, the replay fee at its floor (one segment at the maximum price). */
    public static Rules defaults() {
        Verity.Config c = Verity.Config.defaults();
        return new Rules("default", c.feeBps(), c.minVerifierStake(), 10_000, 10_000, 10_000, 2_000, 10_000, 100);
    }

    /**
     * A legal but bad set: nothing pays checking (a replay fee floor of zero and submitters who post a fee of zero) and
     * nothing exposes a verifier that does not replay (no forced errors, no jackpot). Replaying then only costs, so the
     * simulation must report a profitable deviation.
     */
    public static Rules bad() {
        Rules d = defaults();
        return new Rules("bad", d.feeBps, d.seatStake, d.minStakeBps, 0, 0, 0, 0, 0);
    }

    /** {@code default} or {@code bad}. */
    public static Rules named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "default" -> defaults();
            case "bad" -> bad();
            default -> throw new IllegalArgumentException("no rule set '" + name + "' (known: default, bad)");
        };
    }

    public Rules withReplayFee(int floorBps, int feeBps) {
        return new Rules(name + "+replay-fee", this.feeBps, seatStake, minStakeBps, floorBps, feeBps, jackpotShareBps, forcedErrorPpm, jackpotMultiple);
    }

    public Rules withForcedErrors(int ppm, int multiple) {
        return new Rules(name + "+forced-errors", feeBps, seatStake, minStakeBps, replayFeeFloorBps, replayFeeBps, jackpotShareBps, ppm, multiple);
    }

    /** The deployment this rule set needs (the fee and the seat stake are deployment parameters until the market reads ProtocolParams). */
    public Verity.Config config() {
        Verity.Config d = Verity.Config.defaults();
        return new Verity.Config(d.initialSupply(), d.unbondingDelay(), feeBps, seatStake, d.challengeBond(), d.roundTimeout(), d.refereeContract());
    }

    /** One line for the report. */
    public String describe() {
        return String.format(Locale.ROOT, "%s (fee %d bps, seat stake %s VRT, solver stake floor %d bps, replay fee %d bps of a segment's work "
                + "(floor %d bps), forced errors %d ppm, jackpot %d× the replay fee from %d bps of the fee)", name, feeBps, Money.vrt(seatStake),
                minStakeBps, replayFeeBps, replayFeeFloorBps, forcedErrorPpm, jackpotMultiple, jackpotShareBps);
    }
}

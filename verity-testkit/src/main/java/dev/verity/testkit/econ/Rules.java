package dev.verity.testkit.econ;

import dev.verity.chain.TaskRules;
import dev.verity.chain.Verity;
import java.util.Locale;

/**
 * The rules the simulated tasks are held to, and every rule set the simulation knows ({@link #defaults()},
 * {@link #bad()}): {@code task} are the rules ProtocolParams holds (the fee, a seat's stake, the solver's stake floor,
 * the replay fee floor, the forced-error rate and the jackpot's share of the fee), and {@code replayFeeBps} is what the
 * simulated submitters post as the replay fee, in the floor's unit (a share of one segment's work at the task's maximum
 * price); it cannot be below the floor, or the market would refuse every task.
 */
public record Rules(String name, TaskRules task, int replayFeeBps) {
    public Rules {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a rule set needs a name");
        if (task == null) throw new IllegalArgumentException("a rule set needs its task rules");
        if (replayFeeBps < 0 || replayFeeBps > TaskRules.MAX_REPLAY_FEE_FLOOR_BPS) {
            throw new IllegalArgumentException("replayFeeBps must be in [0, " + TaskRules.MAX_REPLAY_FEE_FLOOR_BPS + "], got " + replayFeeBps);
        }
        if (replayFeeBps < task.replayFeeFloorBps()) {
            throw new IllegalArgumentException("replayFeeBps " + replayFeeBps + " is below the floor replayFeeFloorBps " + task.replayFeeFloorBps()
                    + ": the market would refuse every task");
        }
    }

    /** The network's defaults (TaskRules.defaults), submitters posting the replay fee at its floor. */
    public static Rules defaults() {
        TaskRules t = TaskRules.defaults();
        return new Rules("default", t, t.replayFeeFloorBps());
    }

    /**
     * A legal but bad set: nothing pays checking (a replay fee floor of zero, and submitters who post a fee of zero) and
     * no forced errors, so no jackpot. Replaying then only costs, so the simulation must report a profitable deviation.
     */
    public static Rules bad() {
        return new Rules("bad", TaskRules.defaults().withReplayFeeFloorBps(0).withJackpot(0, 0), 0);
    }

    /** {@code default} or {@code bad}. */
    public static Rules named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "default" -> defaults();
            case "bad" -> bad();
            default -> throw new IllegalArgumentException("no rule set '" + name + "' (known: default, bad)");
        };
    }

    /** This set with another replay fee floor and posted fee (bps of one segment's work at the maximum price). */
    public Rules withReplayFee(int floorBps, int feeBps) {
        return new Rules(name + "+replay-fee", task.withReplayFeeFloorBps(floorBps), feeBps);
    }

    /** This set with another jackpot share of the fee and forced-error rate. */
    public Rules withJackpot(int shareBps, int forcedErrorPpm) {
        return new Rules(name + "+jackpot", task.withJackpot(shareBps, forcedErrorPpm), replayFeeBps);
    }

    /** The deployment this rule set needs: the defaults, with these rules for new tasks. */
    public Verity.Config config() {
        return Verity.Config.defaults().withRules(task);
    }

    /** One line for the report. */
    public String describe() {
        return String.format(Locale.ROOT, "%s (fee %d bps, seat stake %s VRT, solver stake floor %d bps, replay fee %d bps of a segment's work "
                + "(floor %d bps), forced errors %d ppm, jackpot %d bps of the fee)", name, task.feeBps(), Money.vrt(task.seatStake()),
                task.minStakeBps(), replayFeeBps, task.replayFeeFloorBps(), task.forcedErrorPpm(), task.jackpotShareBps());
    }
}

package dev.verity.chain;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules a task is held to (ProtocolParams.Rules): the market copies the current ones into each task when it is posted,
 * and only a passed proposal changes them (docs/governance.md). The bounds are ProtocolParams's, checked here too so a bad
 * value is refused before it costs gas.
 *
 * @param seatStake         a verifier seat's stake, locked from the draw until the task ends
 * @param feeBps            the protocol fee, a share of the solver's pay
 * @param minStakeBps       the solver's stake floor, a share of the most it can be paid
 * @param replayFeeFloorBps the replay fee floor, a share of one segment's work at the task's maximum price
 * @param jackpotShareBps   the share of the fee that funds the jackpot pool
 * @param forcedErrorPpm    the rate of forced errors, per million seats
 * @param refereeSet        the referees that rule the task's disputes (ProtocolParams.refereesOf; 0 is the deployment's)
 * @param challengeBond     a challenger's bond, forfeited to the solver if it loses (a dispute copies it when it opens)
 * @param roundTimeout      the seconds each party has for its move in a dispute; silence loses (copied as the bond is)
 */
public record TaskRules(@JsonProperty("seatStake") BigInteger seatStake, @JsonProperty("feeBps") int feeBps,
                        @JsonProperty("minStakeBps") int minStakeBps, @JsonProperty("replayFeeFloorBps") int replayFeeFloorBps,
                        @JsonProperty("jackpotShareBps") int jackpotShareBps, @JsonProperty("forcedErrorPpm") int forcedErrorPpm,
                        @JsonProperty("refereeSet") int refereeSet, @JsonProperty("challengeBond") BigInteger challengeBond, @JsonProperty("roundTimeout") long roundTimeout) {
    public static final int MAX_FEE_BPS = 2_000;
    public static final int MIN_SOLVER_STAKE_BPS = 10_000;
    public static final int MAX_SOLVER_STAKE_BPS = 50_000;
    public static final int MAX_REPLAY_FEE_FLOOR_BPS = 50_000;
    public static final int MAX_FORCED_ERROR_PPM = 1_000_000;
    /** ProtocolParams.MIN_WINDOW: every party must be able to react, in a dispute as in a task's windows. */
    public static final long MIN_ROUND_TIMEOUT = 600;
    /** ProtocolParams.MAX_WINDOW. */
    public static final long MAX_ROUND_TIMEOUT = 365L * 86400;

    /** The rules that are token amounts (uint128 wei): given in wei or VRT, shown in both. */
    public static final java.util.Set<String> AMOUNTS = java.util.Set.of("seatStake", "challengeBond");

    public TaskRules {
        amount("seatStake", seatStake);
        range("feeBps", feeBps, 0, MAX_FEE_BPS);
        range("minStakeBps", minStakeBps, MIN_SOLVER_STAKE_BPS, MAX_SOLVER_STAKE_BPS);
        range("replayFeeFloorBps", replayFeeFloorBps, 0, MAX_REPLAY_FEE_FLOOR_BPS);
        range("jackpotShareBps", jackpotShareBps, 0, 10_000);
        range("forcedErrorPpm", forcedErrorPpm, 0, MAX_FORCED_ERROR_PPM);
        range("refereeSet", refereeSet, 0, Integer.MAX_VALUE); // the chain knows how many sets exist (verity gov params)
        amount("challengeBond", challengeBond);
        if (roundTimeout < MIN_ROUND_TIMEOUT || roundTimeout > MAX_ROUND_TIMEOUT) {
            throw new IllegalArgumentException("roundTimeout must be in [" + MIN_ROUND_TIMEOUT + ", " + MAX_ROUND_TIMEOUT + "] seconds, got "
                    + roundTimeout);
        }
    }

    /**
     * The rules a new network starts with: 100 VRT a seat, a 2.5% fee, a solver stake of at least the most it can be paid,
     * a replay fee of at least one segment's work at the maximum price, 40% of the fee to the jackpot pool, one seat in
     * fifty drawn as a forced error, a 50 VRT challenge bond and a day for each move of a dispute (docs/incentives.md
     * derives each).
     */
    public static TaskRules defaults() {
        return new TaskRules(Verity.ether(100), 250, 10_000, 10_000, 4_000, 20_000, 0, Verity.ether(50), 86_400);
    }

    public TaskRules withSeatStake(BigInteger v) {
        return new TaskRules(v, feeBps, minStakeBps, replayFeeFloorBps, jackpotShareBps, forcedErrorPpm, refereeSet, challengeBond, roundTimeout);
    }

    public TaskRules withFeeBps(int v) {
        return new TaskRules(seatStake, v, minStakeBps, replayFeeFloorBps, jackpotShareBps, forcedErrorPpm, refereeSet, challengeBond, roundTimeout);
    }

    public TaskRules withReplayFeeFloorBps(int v) {
        return new TaskRules(seatStake, feeBps, minStakeBps, v, jackpotShareBps, forcedErrorPpm, refereeSet, challengeBond, roundTimeout);
    }

    public TaskRules withChallengeBond(BigInteger v) {
        return new TaskRules(seatStake, feeBps, minStakeBps, replayFeeFloorBps, jackpotShareBps, forcedErrorPpm, refereeSet, v, roundTimeout);
    }

    public TaskRules withRoundTimeout(long seconds) {
        return new TaskRules(seatStake, feeBps, minStakeBps, replayFeeFloorBps, jackpotShareBps, forcedErrorPpm, refereeSet, challengeBond, seconds);
    }

    public TaskRules withRefereeSet(int id) {
        return new TaskRules(seatStake, feeBps, minStakeBps, replayFeeFloorBps, jackpotShareBps, forcedErrorPpm, id, challengeBond, roundTimeout);
    }

    public TaskRules withJackpot(int shareBps, int forcedPpm) {
        return new TaskRules(seatStake, feeBps, minStakeBps, replayFeeFloorBps, shareBps, forcedPpm, refereeSet, challengeBond, roundTimeout);
    }

    /** The rule names, in ProtocolParams.Rules' order (what {@code verity gov propose --set NAME=VALUE} accepts). */
    public static final List<String> NAMES = List.of("seatStake", "feeBps", "minStakeBps", "replayFeeFloorBps", "jackpotShareBps", "forcedErrorPpm",
            "refereeSet", "challengeBond", "roundTimeout");

    /** The rules as a map from name to value, in {@link #NAMES} order. */
    public Map<String, BigInteger> asMap() {
        Map<String, BigInteger> m = new LinkedHashMap<>();
        m.put("seatStake", seatStake);
        m.put("feeBps", BigInteger.valueOf(feeBps));
        m.put("minStakeBps", BigInteger.valueOf(minStakeBps));
        m.put("replayFeeFloorBps", BigInteger.valueOf(replayFeeFloorBps));
        m.put("jackpotShareBps", BigInteger.valueOf(jackpotShareBps));
        m.put("forcedErrorPpm", BigInteger.valueOf(forcedErrorPpm));
        m.put("refereeSet", BigInteger.valueOf(refereeSet));
        m.put("challengeBond", challengeBond);
        m.put("roundTimeout", BigInteger.valueOf(roundTimeout));
        return m;
    }

    /** These rules with the one named changed; an unknown name is refused with the list of names, a value out of range with its bounds. */
    public TaskRules with(String name, BigInteger value) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown rule '" + name + "'; the rules are " + String.join(", ", NAMES));
        }
        int bits = name.equals("roundTimeout") ? 63 : 31; // the amounts are checked by the constructor, the rest must fit
        if (!AMOUNTS.contains(name) && value.bitLength() > bits) {
            throw new IllegalArgumentException(name + " must be in its range (see verity gov params), got " + value);
        }
        return switch (name) {
            case "seatStake" -> withSeatStake(value);
            case "challengeBond" -> withChallengeBond(value);
            case "roundTimeout" -> withRoundTimeout(value.longValue());
            case "refereeSet" -> withRefereeSet(value.intValue());
            case "feeBps" -> withFeeBps(value.intValue());
            case "minStakeBps" -> new TaskRules(seatStake, feeBps, value.intValue(), replayFeeFloorBps, jackpotShareBps, forcedErrorPpm, refereeSet,
                    challengeBond, roundTimeout);
            case "replayFeeFloorBps" -> withReplayFeeFloorBps(value.intValue());
            case "jackpotShareBps" -> withJackpot(value.intValue(), forcedErrorPpm);
            default -> withJackpot(jackpotShareBps, value.intValue());
        };
    }

    private static void amount(String what, BigInteger v) {
        if (v == null || v.signum() <= 0 || v.bitLength() > 128) {
            throw new IllegalArgumentException(what + " must be a positive amount below 2^128, got " + v);
        }
    }

    private static void range(String what, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " must be in [" + min + ", " + max + "], got " + v);
        }
    }
}

package dev.verity.chain;

import static dev.verity.chain.Abi.u128;
import static dev.verity.chain.Abi.u16;
import static dev.verity.chain.Abi.u32;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.datatypes.StaticStruct;

/**
 * The rules a task is held to, as ProtocolParams.Rules holds them (same fields, same order): the market copies them
 * into a task when it is posted, and token holders change them for later tasks only through a passed proposal
 * (docs/governance.md). The constructor rejects a value that does not fit its Solidity type; the protocol's bounds
 * (a fee of at most 20%, a solver stake of at least its pay, ...) are ProtocolParams' to check, and
 * {@link Governance#checkRules} asks it before anything is sent.
 */
public record TaskRules(@JsonProperty("seatStake") BigInteger seatStake, @JsonProperty("feeBps") int feeBps,
                        @JsonProperty("minStakeBps") int minStakeBps, @JsonProperty("replayFeeFloorBps") int replayFeeFloorBps,
                        @JsonProperty("jackpotShareBps") int jackpotShareBps, @JsonProperty("forcedErrorPpm") long forcedErrorPpm,
                        @JsonProperty("jackpotMultiple") int jackpotMultiple) {
    /** The rule names, in ProtocolParams.Rules' order (what {@code verity gov propose --set NAME=VALUE} accepts). */
    public static final List<String> NAMES = List.of("seatStake", "feeBps", "minStakeBps", "replayFeeFloorBps", "jackpotShareBps",
            "forcedErrorPpm", "jackpotMultiple");

    /** The ABI tuple of ProtocolParams.Rules. */
    public static final String TUPLE = "(uint128,uint16,uint16,uint16,uint16,uint32,uint16)";

    private static final BigInteger U128 = BigInteger.ONE.shiftLeft(128);

    public TaskRules {
        if (seatStake == null || seatStake.signum() < 0 || seatStake.compareTo(U128) >= 0) {
            throw new IllegalArgumentException("seatStake must be an amount in wei in [0, 2^128), got " + seatStake);
        }
        uint16("feeBps", feeBps);
        uint16("minStakeBps", minStakeBps);
        uint16("replayFeeFloorBps", replayFeeFloorBps);
        uint16("jackpotShareBps", jackpotShareBps);
        uint16("jackpotMultiple", jackpotMultiple);
        if (forcedErrorPpm < 0 || forcedErrorPpm > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("forcedErrorPpm must fit a uint32 [0, 4294967295], got " + forcedErrorPpm);
        }
    }

    private static void uint16(String name, int v) {
        if (v < 0 || v > 0xFFFF) throw new IllegalArgumentException(name + " must fit a uint16 [0, 65535], got " + v);
    }

    /**
     * The rules a new deployment starts with: a 100 VRT seat stake, a 2.5% fee, a solver stake of at least its pay, a
     * replay fee of at least one segment's work, 40% of the fee to the jackpot pool, 2% forced errors paying 10 replay fees.
     */
    public static TaskRules defaults() {
        return new TaskRules(Verity.ether(100), 250, 10_000, 10_000, 4_000, 20_000, 10);
    }

    /** The rules as a map from name to value, in {@link #NAMES} order. */
    public Map<String, BigInteger> asMap() {
        Map<String, BigInteger> m = new LinkedHashMap<>();
        m.put("seatStake", seatStake);
        m.put("feeBps", BigInteger.valueOf(feeBps));
        m.put("minStakeBps", BigInteger.valueOf(minStakeBps));
        m.put("replayFeeFloorBps", BigInteger.valueOf(replayFeeFloorBps));
        m.put("jackpotShareBps", BigInteger.valueOf(jackpotShareBps));
        m.put("forcedErrorPpm", BigInteger.valueOf(forcedErrorPpm));
        m.put("jackpotMultiple", BigInteger.valueOf(jackpotMultiple));
        return m;
    }

    /** These rules with one changed; an unknown name or a value that does not fit the rule's type is refused, naming both. */
    public TaskRules with(String name, BigInteger value) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown rule '" + name + "'; the rules are " + String.join(", ", NAMES));
        }
        Map<String, BigInteger> m = asMap();
        m.put(name, value);
        return of(m);
    }

    private static TaskRules of(Map<String, BigInteger> m) {
        try {
            return new TaskRules(m.get("seatStake"), m.get("feeBps").intValueExact(), m.get("minStakeBps").intValueExact(),
                    m.get("replayFeeFloorBps").intValueExact(), m.get("jackpotShareBps").intValueExact(), m.get("forcedErrorPpm").longValueExact(),
                    m.get("jackpotMultiple").intValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("a rule's value is far outside its type: " + m);
        }
    }

    /** The ABI encoding of ProtocolParams.Rules (a static tuple). */
    public StaticStruct toAbi() {
        return Abi.tuple(u128(seatStake), u16(feeBps), u16(minStakeBps), u16(replayFeeFloorBps), u16(jackpotShareBps), u32(forcedErrorPpm),
                u16(jackpotMultiple));
    }

    /** Decodes the seven words ProtocolParams.rules() returns. */
    public static TaskRules fromWords(byte[] words) {
        return new TaskRules(Abi.word(words, 0), Abi.word(words, 1).intValueExact(), Abi.word(words, 2).intValueExact(),
                Abi.word(words, 3).intValueExact(), Abi.word(words, 4).intValueExact(), Abi.wordLong(words, 5), Abi.word(words, 6).intValueExact());
    }
}

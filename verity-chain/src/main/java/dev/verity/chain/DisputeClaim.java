package dev.verity.chain;

import java.util.Arrays;

/**
 * The claims on which {@code DisputeGame} rules without narrowing to a link: the {@code kind} of its
 * {@code ClaimRuled} event. WireCodes.sol holds these codes as {@code CLAIM_*}, generated from this enum; a code is
 * never renumbered or reused (code 5, the segment-ends claim that round 2 now checks itself, is retired).
 */
public enum DisputeClaim {
    /** Round 3: the solver committed no op trace (a zero root) for the step the challenger names. */
    NO_OP_TRACE(0, "the solver committed no op trace for the disputed step"),
    /** Round 3: an op-trace entry carries another graph leaf than the task graph's. */
    RECORD(1, "an op's record in the op trace is not the task graph's"),
    /** Round 3: a source op's output is not the agreed state's tensor, the step or the task's data it names. */
    SOURCE(2, "a source op's output is not the state, step or data it names"),
    /** Round 3: the post-state holds another tensor than the op the graph says updates it. */
    UPDATE(3, "a state tensor after the step is not the output of the op that updates it"),
    /** Round 3: the step's scalars (step, data cursor, RNG counter) did not advance by one step. */
    SCALARS(4, "the step's scalars did not advance by one step"),
    /** Round 3, last segment: the committed model holds a weight the final checkpoint does not. */
    MODEL(6, "the committed model is not the final checkpoint's weights"),
    /** Round 2, segment 0: checkpoint 0 is not the task's init root. */
    INIT(7, "checkpoint 0 is not the task's initial state"),
    /** Round 3: the op trace posted for the segment's last step is not the segment end the solver committed. */
    ENDS(8, "the op trace of the segment's last step is not the segment end the solver committed");

    private final int code;
    private final String description;

    DisputeClaim(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The {@code kind} byte of {@code ClaimRuled}. */
    public int code() {
        return code;
    }

    /** What the challenger claims, in words. */
    public String description() {
        return description;
    }

    /** The claim with this code. */
    public static DisputeClaim of(int code) {
        return Arrays.stream(values()).filter(c -> c.code == code).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no dispute claim has code " + code));
    }
}

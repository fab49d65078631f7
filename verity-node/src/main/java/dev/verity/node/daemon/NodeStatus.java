package dev.verity.node.daemon;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What {@code GET /status} answers: who the node is, what it holds, how its loop is doing and the
 * tasks it takes part in. Amounts are exact decimal VRT strings.
 *
 * @param idleAtBlock the chain block at whose state the node last looked and found nothing to do
 *                    (its last tick started at that block, succeeded and sent nothing); null while
 *                    it is in a tick, after a tick that acted or failed, or before its first tick.
 *                    A driver that sees every node idle at the chain's head knows the network waits
 *                    only for time to pass.
 */
public record NodeStatus(@JsonProperty("role") String role, @JsonProperty("name") String name, @JsonProperty("account") String account,
                         @JsonProperty("pid") long pid, @JsonProperty("startedAt") String startedAt, @JsonProperty("joined") boolean joined,
                         @JsonProperty("tokens") String tokens, @JsonProperty("staked") String staked, @JsonProperty("locked") String locked,
                         @JsonProperty("ticks") long ticks, @JsonProperty("failedTicks") long failedTicks, @JsonProperty("inTick") boolean inTick,
                         @JsonProperty("lastTickTime") String lastTickTime, @JsonProperty("lastTickBlock") long lastTickBlock,
                         @JsonProperty("lastTickActed") boolean lastTickActed, @JsonProperty("idleAtBlock") Long idleAtBlock,
                         @JsonProperty("lastError") String lastError, @JsonProperty("lastErrorTime") String lastErrorTime,
                         @JsonProperty("stopping") boolean stopping, @JsonProperty("tasks") List<TaskState> tasks) {

    /**
     * One task the node takes part in: its on-chain status, the node's parts in it (submitter,
     * solver, verifier, challenger) and, while the node trains it, the step reached.
     */
    public record TaskState(@JsonProperty("id") long id, @JsonProperty("status") String status, @JsonProperty("parts") List<String> parts,
                            @JsonProperty("step") Long step, @JsonProperty("steps") Long steps) {
    }
}

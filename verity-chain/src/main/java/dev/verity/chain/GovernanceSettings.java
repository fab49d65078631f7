package dev.verity.chain;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigInteger;

/**
 * How VerityGovernor and its timelock are set up at deployment: {@code votingDelay} and {@code votingPeriod} in blocks
 * (the token's clock is the block number), {@code proposalThreshold} the votes (wei of VRT delegated) an account needs
 * to propose, {@code quorumPercent} the share of the supply that must vote for or abstain, {@code timelockDelay} the
 * seconds between a proposal passing and its execution. The governor's own settings change later only by proposal.
 */
public record GovernanceSettings(@JsonProperty("votingDelay") long votingDelay, @JsonProperty("votingPeriod") long votingPeriod,
                                 @JsonProperty("proposalThreshold") BigInteger proposalThreshold, @JsonProperty("quorumPercent") int quorumPercent,
                                 @JsonProperty("timelockDelay") long timelockDelay) {
    public GovernanceSettings {
        // uint48 and uint32 are the constructor's types (GovernorSettings); a zero period is refused by the Governor too.
        if (votingDelay < 0 || votingDelay >= 1L << 48) throw new IllegalArgumentException("votingDelay must be in [0, 2^48) blocks, got " + votingDelay);
        if (votingPeriod < 1 || votingPeriod > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("votingPeriod must be in [1, 2^32) blocks, got " + votingPeriod);
        }
        if (proposalThreshold == null || proposalThreshold.signum() < 0) {
            throw new IllegalArgumentException("proposalThreshold must be a non-negative amount of votes, got " + proposalThreshold);
        }
        // a quorum of 0 would let one vote pass a proposal; above 100 nothing could pass
        if (quorumPercent < 1 || quorumPercent > 100) throw new IllegalArgumentException("quorumPercent must be in [1, 100], got " + quorumPercent);
        if (timelockDelay < 0) throw new IllegalArgumentException("timelockDelay must be >= 0 seconds, got " + timelockDelay);
    }

    /**
     * What a public network would use: the vote opens 1 block after the proposal and lasts 50,400 blocks (a week at 12 s a
     * block), proposing takes 1,000,000 VRT of votes (0.1% of the initial supply), a quorum is 4% of the supply, and a
     * passed proposal waits 2 days in the timelock.
     */
    public static GovernanceSettings defaults() {
        return new GovernanceSettings(1, 50_400, Verity.ether(1_000_000), 4, 2 * 86_400);
    }
}

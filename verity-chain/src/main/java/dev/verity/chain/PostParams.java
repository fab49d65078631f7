package dev.verity.chain;

import static dev.verity.chain.Abi.b32;
import static dev.verity.chain.Abi.u128;
import static dev.verity.chain.Abi.u32;
import static dev.verity.chain.Abi.u64;

import java.math.BigInteger;
import org.web3j.abi.datatypes.StaticStruct;

/**
 * TaskMarket.PostParams: what a submitter posts (docs/architecture.md, one task end to end, step 1). {@code initRoot} is the state root of
 * checkpoint 0 (a function of the spec, as the graph root is): the game holds the solver's trace entry 0 to it, and
 * TaskMarket.challengeInit holds it to the graph's init rules.
 */
public record PostParams(byte[] specHash, byte[] datasetRoot, byte[] graphRoot, byte[] parentModel, byte[] initRoot, byte[] seedCommit, long graphOps,
        long totalSteps, long checkpointInterval, long workUnits, BigInteger maxPricePerUnit, BigInteger replayFee, BigInteger solverStake,
        int numVerifiers, long bidWindow, long commitWindow, long revealWindow, long verifyWindow) {

    public static final String TUPLE =
            "(bytes32,bytes32,bytes32,bytes32,bytes32,bytes32,uint64,uint64,uint64,uint64,uint128,uint128,uint128,uint32,uint64,uint64,uint64,uint64)";

    StaticStruct toAbi() {
        return Abi.tuple(b32(specHash), b32(datasetRoot), b32(graphRoot), b32(parentModel), b32(initRoot), b32(seedCommit), u64(graphOps), u64(totalSteps),
                u64(checkpointInterval), u64(workUnits), u128(maxPricePerUnit), u128(replayFee), u128(solverStake), u32(numVerifiers),
                u64(bidWindow), u64(commitWindow), u64(revealWindow), u64(verifyWindow));
    }

    /** This spec with other windows (seconds). */
    public PostParams withWindows(long bid, long commit, long reveal, long verify) {
        return new PostParams(specHash, datasetRoot, graphRoot, parentModel, initRoot, seedCommit, graphOps, totalSteps, checkpointInterval, workUnits,
                maxPricePerUnit, replayFee, solverStake, numVerifiers, bid, commit, reveal, verify);
    }

    /** This spec with another solver stake. */
    public PostParams withSolverStake(BigInteger stake) {
        return new PostParams(specHash, datasetRoot, graphRoot, parentModel, initRoot, seedCommit, graphOps, totalSteps, checkpointInterval, workUnits,
                maxPricePerUnit, replayFee, stake, numVerifiers, bidWindow, commitWindow, revealWindow, verifyWindow);
    }

    /** This spec with another graph size and step counts. */
    public PostParams withShape(long ops, long steps, long interval) {
        return new PostParams(specHash, datasetRoot, graphRoot, parentModel, initRoot, seedCommit, ops, steps, interval, workUnits, maxPricePerUnit, replayFee,
                solverStake, numVerifiers, bidWindow, commitWindow, revealWindow, verifyWindow);
    }

    /** This spec with {@code n} verifier seats. */
    public PostParams withVerifiers(int n) {
        return new PostParams(specHash, datasetRoot, graphRoot, parentModel, initRoot, seedCommit, graphOps, totalSteps, checkpointInterval, workUnits,
                maxPricePerUnit, replayFee, solverStake, n, bidWindow, commitWindow, revealWindow, verifyWindow);
    }

    /** This spec with another graph (root and op count) and init root. */
    public PostParams withGraph(byte[] root, long ops, byte[] init) {
        return new PostParams(specHash, datasetRoot, root, parentModel, init, seedCommit, ops, totalSteps, checkpointInterval, workUnits,
                maxPricePerUnit, replayFee, solverStake, numVerifiers, bidWindow, commitWindow, revealWindow, verifyWindow);
    }

    /**
     * The lowest replay fee a task may post (TaskMarket's {@code ReplayFeeTooLow}): the work units of a full segment
     * ({@code ceil(workUnits · min(c, steps) / steps)}) at the maximum price per unit; a verifier's replay of one segment
     * is then paid what training it would earn.
     */
    public static BigInteger replayFeeFloor(long workUnits, long totalSteps, long interval, BigInteger maxPricePerUnit) {
        BigInteger work = BigInteger.valueOf(workUnits).multiply(BigInteger.valueOf(Math.min(interval, totalSteps)));
        BigInteger[] qr = work.divideAndRemainder(BigInteger.valueOf(totalSteps));
        return (qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0]).multiply(maxPricePerUnit);
    }

    public long numSegments() {
        return (totalSteps + checkpointInterval - 1) / checkpointInterval;
    }

    /** Escrow the market takes at post: max solver pay + fee on it + every replay fee. */
    public BigInteger requiredEscrow(int feeBps) {
        BigInteger maxPay = BigInteger.valueOf(workUnits).multiply(maxPricePerUnit);
        return maxPay.add(maxPay.multiply(BigInteger.valueOf(feeBps)).divide(BigInteger.valueOf(10_000)))
                .add(BigInteger.valueOf(numVerifiers).multiply(replayFee));
    }

    /** keccak256(abi.encode(secret)), the submitter's commitment for verifier randomness. */
    public static byte[] seedCommitment(byte[] secret) {
        return org.web3j.crypto.Hash.sha3(secret);
    }
}

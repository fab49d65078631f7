package dev.verity.chain;

import dev.verity.chain.bindings.TaskMarket;
import java.math.BigInteger;

/**
 * TaskMarket.PostParams: what a submitter posts (docs/architecture.md, one task end to end, step 1). {@code initRoot} is the state root of
 * checkpoint 0 (a function of the spec, as the graph root is): the game holds the solver's trace entry 0 to it, and
 * TaskMarket.challengeInit holds it to the graph's init rules.
 */
public record PostParams(byte[] specHash, byte[] datasetRoot, byte[] graphRoot, byte[] parentModel, byte[] initRoot, byte[] seedCommit, long graphOps,
        long totalSteps, long checkpointInterval, long workUnits, BigInteger maxPricePerUnit, BigInteger replayFee, BigInteger solverStake,
        int numVerifiers, long bidWindow, long commitWindow, long revealWindow, long verifyWindow) {

    /** As the generated TaskMarket wrapper's struct (TaskMarket.PostParams). */
    TaskMarket.PostParams toBinding() {
        return new TaskMarket.PostParams(specHash, datasetRoot, graphRoot, parentModel, initRoot, seedCommit, BigInteger.valueOf(graphOps),
                BigInteger.valueOf(totalSteps), BigInteger.valueOf(checkpointInterval), BigInteger.valueOf(workUnits), maxPricePerUnit, replayFee,
                solverStake, BigInteger.valueOf(numVerifiers), BigInteger.valueOf(bidWindow), BigInteger.valueOf(commitWindow),
                BigInteger.valueOf(revealWindow), BigInteger.valueOf(verifyWindow));
    }

    /** A builder starting from this spec's values. */
    public Builder toBuilder() {
        return new Builder().specHash(specHash).datasetRoot(datasetRoot).graph(graphRoot, graphOps).parentModel(parentModel)
                .initRoot(initRoot).seedCommit(seedCommit).shape(totalSteps, checkpointInterval, workUnits)
                .pricing(maxPricePerUnit, replayFee, solverStake).verifiers(numVerifiers)
                .windows(bidWindow, commitWindow, revealWindow, verifyWindow);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The one way to write a task's on-chain parameters by name: the roots, the task's shape, its pricing, its seats and
     * windows. {@link #build} refuses a missing root. No parent model means 32 zero bytes (trained from scratch).
     */
    public static final class Builder {
        private byte[] specHash;
        private byte[] datasetRoot;
        private byte[] graphRoot;
        private byte[] parentModel = new byte[32];
        private byte[] initRoot;
        private byte[] seedCommit;
        private long graphOps;
        private long totalSteps;
        private long checkpointInterval;
        private long workUnits;
        private BigInteger maxPricePerUnit;
        private BigInteger replayFee;
        private BigInteger solverStake;
        private int numVerifiers;
        private long bidWindow;
        private long commitWindow;
        private long revealWindow;
        private long verifyWindow;

        private Builder() {
        }

        public Builder specHash(byte[] v) {
            specHash = v;
            return this;
        }

        public Builder datasetRoot(byte[] v) {
            datasetRoot = v;
            return this;
        }

        /** The step graph's root and its op count. */
        public Builder graph(byte[] root, long ops) {
            graphRoot = root;
            graphOps = ops;
            return this;
        }

        /** The parent model's root, or null for a task trained from scratch. */
        public Builder parentModel(byte[] v) {
            parentModel = v == null ? new byte[32] : v;
            return this;
        }

        public Builder initRoot(byte[] v) {
            initRoot = v;
            return this;
        }

        public Builder seedCommit(byte[] v) {
            seedCommit = v;
            return this;
        }

        /** Steps, steps between checkpoints, and work units of the whole task. */
        public Builder shape(long steps, long interval, long units) {
            totalSteps = steps;
            checkpointInterval = interval;
            workUnits = units;
            return this;
        }

        /** The most paid per work unit, the fee per proven replay, and the solver's stake (wei). */
        public Builder pricing(BigInteger maxPrice, BigInteger fee, BigInteger stake) {
            maxPricePerUnit = maxPrice;
            replayFee = fee;
            solverStake = stake;
            return this;
        }

        public Builder verifiers(int n) {
            numVerifiers = n;
            return this;
        }

        /** The bid, commit, reveal and verify windows (seconds). */
        public Builder windows(long bid, long commit, long reveal, long verify) {
            bidWindow = bid;
            commitWindow = commit;
            revealWindow = reveal;
            verifyWindow = verify;
            return this;
        }

        public PostParams build() {
            for (var e : java.util.Map.of("specHash", java.util.Optional.ofNullable(specHash), "datasetRoot",
                    java.util.Optional.ofNullable(datasetRoot), "graphRoot", java.util.Optional.ofNullable(graphRoot), "initRoot",
                    java.util.Optional.ofNullable(initRoot), "seedCommit", java.util.Optional.ofNullable(seedCommit)).entrySet()) {
                if (e.getValue().isEmpty() || e.getValue().get().length != 32) {
                    throw new IllegalArgumentException("task parameters: " + e.getKey() + " must be 32 bytes");
                }
            }
            if (maxPricePerUnit == null || replayFee == null || solverStake == null) {
                throw new IllegalArgumentException("task parameters: pricing (max price, replay fee, solver stake) is not set");
            }
            return new PostParams(specHash, datasetRoot, graphRoot, parentModel, initRoot, seedCommit, graphOps, totalSteps,
                    checkpointInterval, workUnits, maxPricePerUnit, replayFee, solverStake, numVerifiers, bidWindow, commitWindow,
                    revealWindow, verifyWindow);
        }
    }

    /** This spec with other windows (seconds). */
    public PostParams withWindows(long bid, long commit, long reveal, long verify) {
        return toBuilder().windows(bid, commit, reveal, verify).build();
    }

    /** This spec with another solver stake. */
    public PostParams withSolverStake(BigInteger stake) {
        return toBuilder().pricing(maxPricePerUnit, replayFee, stake).build();
    }

    /** This spec with another graph size and step counts. */
    public PostParams withShape(long ops, long steps, long interval) {
        return toBuilder().graph(graphRoot, ops).shape(steps, interval, workUnits).build();
    }

    /** This spec with {@code n} verifier seats. */
    public PostParams withVerifiers(int n) {
        return toBuilder().verifiers(n).build();
    }

    /** This spec with another graph (root and op count) and init root. */
    public PostParams withGraph(byte[] root, long ops, byte[] init) {
        return toBuilder().graph(root, ops).initRoot(init).build();
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

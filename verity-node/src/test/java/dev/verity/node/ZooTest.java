package dev.verity.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.Verity;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.io.SafeTensors;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Zoo#fetch} trusts only the chain. Tasks are carried through the market by hand (no
 * verifier registered, so nobody replays) so that a solver can commit roots whose published blobs
 * disagree with them, the cases an honest network never produces: each must be refused, naming the
 * disagreement, while the honest entry is fetched bit for bit.
 */
class ZooTest {
    static TreeMap<String, Tensor> weights(float seed) {
        TreeMap<String, Tensor> w = new TreeMap<>();
        w.put("l0.w", new Tensor(new int[] {2, 3}, new float[] {seed, 1, 2, 3, 4, 5}));
        w.put("l0.b", new Tensor(new int[] {2}, new float[] {-seed, 0.5f}));
        return w;
    }

    static byte[] safetensors(TreeMap<String, Tensor> w) {
        return SafeTensors.toBytes(new LinkedHashMap<>(w), Map.of());
    }

    /** Posts, wins, commits (trace, model, manifest) and settles a task; returns its id. */
    static long settle(LocalNet net, byte[] traceRoot, byte[] modelRoot, String manifestKey) {
        Verity v = net.verity;
        String submitter = net.account(0);
        String solver = net.account(1);
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        dev.verity.chain.PostParams spec = new dev.verity.chain.PostParams(Sha256.hash(secret), Sha256.hash(new byte[] {1}),
                Sha256.hash(new byte[] {2}), new byte[32], Sha256.hash(new byte[] {3}), dev.verity.chain.PostParams.seedCommitment(secret), 10, 10, 5, 100,
                BigInteger.TEN.pow(15), dev.verity.chain.PostParams.replayFeeFloor(100, 10, 5, BigInteger.TEN.pow(15)), Verity.ether(10), 1, 600, 3600, 600, 600);
        // a task is paid and registered only with a quorum of attestations: one registered verifier, drawn and attesting
        String verifier = net.account(5);
        if (!v.verifierPool().contains(verifier)) {
            net.fund(verifier, Verity.ether(1_000));
            v.approve(verifier, v.staking, Verity.ether(1_000));
            v.stake(verifier, Verity.ether(100));
            v.registerVerifier(verifier);
        }
        long id = v.post(submitter, spec);
        v.bid(solver, id, BigInteger.TEN.pow(14));
        net.chain.advanceTime(601);
        v.closeAuction(submitter, id);
        v.commit(solver, id, traceRoot, modelRoot, Sha256.unhex(manifestKey), dev.verity.chain.ChainSelftest.syntheticEnds(spec));
        v.revealSeed(submitter, id, secret);
        dev.verity.chain.ChainSelftest.attestAll(v, id);
        net.chain.advanceTime(601 + v.probeWindow()); // past the verify window and the probe window after it
        v.settle(submitter, id);
        assertEquals(Verity.Status.SETTLED, v.task(id).status());
        return id;
    }

    @Test
    void fetchesHonestModelsAndRefusesBlobsThatDisagreeWithTheChain(@TempDir Path dir) throws Exception {
        try (LocalNet net = LocalNet.start(dir)) {
            Verity v = net.verity;
            BlobStore store = net.store;
            net.fund(net.account(0), Verity.ether(1_000));
            net.fund(net.account(1), Verity.ether(1_000));
            v.approve(net.account(0), v.market, Accounts.UNLIMITED);
            v.approve(net.account(1), v.staking, Accounts.UNLIMITED);
            v.stake(net.account(1), Verity.ether(100));
            byte[] trace = Sha256.hash("trace".getBytes());

            // honest: the manifest's model blob holds the committed weights
            TreeMap<String, Tensor> w1 = weights(1);
            byte[] root1 = TaskRun.modelRoot(w1);
            String blob1 = store.put(safetensors(w1));
            String m1 = store.put(new Manifest("t", "d", "g", List.of(), Sha256.hex(trace), Sha256.hex(root1), blob1).toJson());
            long t1 = settle(net, trace, root1, m1);
            Zoo.Model got = Zoo.fetch(v, store, root1);
            assertEquals(t1, got.entry().taskId());
            assertArrayEquals(store.get(blob1), got.safetensors());
            assertEquals(8, got.parameters());
            assertArrayEquals(root1, Zoo.resolve(v, Sha256.hex(root1).substring(0, 8)));

            // the manifest names the committed root, but its blob holds other weights
            TreeMap<String, Tensor> w2 = weights(2);
            byte[] root2 = TaskRun.modelRoot(w2);
            String other = store.put(safetensors(weights(3)));
            String m2 = store.put(new Manifest("t", "d", "g", List.of(), Sha256.hex(trace), Sha256.hex(root2), other).toJson());
            settle(net, trace, root2, m2);
            IOException swapped = assertThrows(IOException.class, () -> Zoo.fetch(v, store, root2));
            assertTrue(swapped.getMessage().contains("the model blob " + other + " has model root " + Sha256.hex(TaskRun.modelRoot(weights(3)))
                    + ", the registry says " + Sha256.hex(root2)), swapped.getMessage());

            // the manifest names another model root than the one committed on chain
            byte[] root4 = TaskRun.modelRoot(weights(4));
            String m4 = store.put(new Manifest("t", "d", "g", List.of(), Sha256.hex(trace), Sha256.hex(root1), blob1).toJson());
            settle(net, trace, root4, m4);
            IOException named = assertThrows(IOException.class, () -> Zoo.fetch(v, store, root4));
            assertTrue(named.getMessage().contains("names model root " + Sha256.hex(root1) + ", the registry " + Sha256.hex(root4)),
                    named.getMessage());

            // the manifest's trace root is not the committed one
            byte[] root5 = TaskRun.modelRoot(weights(5));
            String blob5 = store.put(safetensors(weights(5)));
            String m5 = store.put(new Manifest("t", "d", "g", List.of(), Sha256.hex(Sha256.hash("x".getBytes())), Sha256.hex(root5), blob5).toJson());
            settle(net, trace, root5, m5);
            IOException tr = assertThrows(IOException.class, () -> Zoo.fetch(v, store, root5));
            assertTrue(tr.getMessage().contains("has trace root"), tr.getMessage());

            // the zoo lists all four, in registration order; a root that only starts the same is ambiguous only if shared
            assertEquals(List.of(Sha256.hex(root1), Sha256.hex(root2), Sha256.hex(root4), Sha256.hex(root5)),
                    v.models().stream().map(e -> Sha256.hex(e.modelRoot())).toList());
            assertEquals(4, v.modelCount());
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Zoo.resolve(v, "deadbeef00"));
            assertTrue(unknown.getMessage().startsWith("no model in the zoo starts with deadbeef00"), unknown.getMessage());
        }
    }
}

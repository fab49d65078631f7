package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.Verity;
import dev.verity.node.LocalNet;
import dev.verity.node.Network;
import dev.verity.node.Role;
import dev.verity.node.Solver;
import dev.verity.node.Submitter;
import dev.verity.node.Verifier;
import dev.verity.testkit.proof.ProofCheck;
import dev.verity.merkle.Sha256;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.tensor.io.SafeTensors;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A user's own ONNX model and data on a network of its own (the embedded chain, only this test's roles in its pools). */
@Timeout(300)
class OwnModelCommandsTest {
    static final BigInteger MILLI = BigInteger.TEN.pow(15);
    static final Consumer<String> LOG = s -> { };

    @TempDir
    Path dir;
    LocalNet net;
    Path deployment;
    Path store;

    @BeforeEach
    void start() throws Exception {
        net = LocalNet.start(dir);
        deployment = dir.resolve("deployment.json");
        net.verity.deployment().write(deployment);
        store = net.dir.resolve("blobs");
    }

    @AfterEach
    void stop() {
        net.close();
    }

    /** Runs a command against this test's chain (as UserCommandsTest does for its own). */
    UserCommandsTest.Result cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--deployment");
        a.add(deployment.toString());
        return UserCommandsTest.run(UserCommandsTest.embedded(net.chain), a.toArray(String[]::new));
    }


    /**
     * The README's path for a user's own model: `task spec` publishes an ONNX model and a dataset and writes the spec; the
     * roles train and verify it on chain; `zoo get --onnx` gives back the verified weights as ONNX initializers.
     */
    @Test
    void ownOnnxModelAndDataGoFromSpecThroughTheNetworkIntoTheZooAndBackToOnnx() throws Exception {
        Path files = dir.resolve("own");
        Files.createDirectories(files);
        for (String f : List.of("model.onnx", "data.npz")) {
            try (var in = ProofCheck.class.getResourceAsStream("imported/" + f)) {
                Files.write(files.resolve(f), in.readAllBytes());
            }
        }
        Path specFile = files.resolve("spec.json");
        UserCommandsTest.Result made = UserCommandsTest.run(CommandLine.defaultFactory(), "task", "spec", "--model", files.resolve("model.onnx").toString(), "--data",
                files.resolve("data.npz").toString(), "--store", store.toString(), "--out", specFile.toString(), "--steps", "12",
                "--batch", "16", "--checkpoint-interval", "4", "--normalize", "0.286:0.353", "--test-fraction", "0.125");
        assertEquals(0, made.code(), made.err());
        assertTrue(made.out().contains("224 train / 32 test samples of shape [1, 14, 14], 10 classes"), made.out());
        TaskSpec spec = TaskSpec.parse(Files.readString(specFile), net.store);
        assertEquals(0.125f, spec.prep().testFraction());

        Verity v = net.verity;
        Submitter sub = new Submitter(new Submitter.Config("own-submitter", net.account(0), MILLI.multiply(BigInteger.TEN), MILLI,
                Verity.ether(500), 1, 600, 3600, 600, 600), v, net.store, dir.resolve("own-submitter"), LOG);
        Solver solver = new Solver(new Solver.Config("own-solver", net.account(1), MILLI, 1_000_000, 2, Verity.ether(1_000)), v,
                net.store, dir.resolve("own-solver"), LOG);
        Verifier verifier = new Verifier(new Verifier.Config("own-verifier", net.account(2), Verity.ether(100), true), v, net.store, LOG);
        net.fund(sub.account(), Verity.ether(100_000));
        net.fund(solver.account(), Verity.ether(2_000));
        net.fund(verifier.account(), Verity.ether(1_000));
        List<Role> roles = List.of(sub, solver, verifier);
        roles.forEach(Role::join);
        long task = sub.post(spec);
        new Network(v, roles).runUntilFinal(task, 200);
        assertEquals(Verity.Status.SETTLED, v.task(task).status());
        String root = Sha256.hex(v.task(task).modelRoot());

        Path weights = files.resolve("trained.safetensors");
        Path onnx = files.resolve("trained.onnx");
        UserCommandsTest.Result get = cli("zoo", "get", root, "--out", weights.toString(), "--onnx", onnx.toString(), "--store", store.toString());
        assertEquals(0, get.code(), get.err());
        var trained = SafeTensors.read(weights).tensors();
        var exported = dev.verity.tensor.model.ModelConfig.Onnx.of(Files.readAllBytes(onnx), onnx.toString()).initialTensors();
        var original = dev.verity.tensor.model.ModelConfig.Onnx.read(files.resolve("model.onnx")).initialTensors();
        assertEquals(original.keySet(), exported.keySet());
        boolean changed = false;
        for (var e : exported.entrySet()) {
            assertArrayEquals(trained.get(e.getKey()).data(), e.getValue().data(), e.getKey() + ": the ONNX holds the zoo's weights");
            changed |= !java.util.Arrays.equals(original.get(e.getKey()).data(), e.getValue().data());
        }
        assertTrue(changed, "training changed the weights");

    }
}

package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.chain.Deployment;
import dev.verity.chain.DevAccounts;
import dev.verity.chain.HardhatNode;
import dev.verity.chain.RpcChain;
import dev.verity.chain.Verity;
import dev.verity.node.Network;
import dev.verity.node.Solver;
import dev.verity.node.Submitter;
import dev.verity.node.Verifier;
import dev.verity.testkit.proof.ProofCheck;
import dev.verity.merkle.Sha256;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.io.SafeTensors;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The user commands over real JSON-RPC: a Hardhat node on 127.0.0.1, the contracts deployed and
 * described in deployment.json, then {@code task post}, {@code task status}, {@code account},
 * {@code zoo list} and {@code zoo get} as a user runs them (the default chain opener, RpcChain).
 * The task is carried to settlement by role nodes in this JVM that also talk to the node over
 * JSON-RPC, with their own RpcChain, as separate processes would.
 */
@Timeout(300)
class UserCommandsRpcTest {
    static final BigInteger MILLI = BigInteger.TEN.pow(15);

    /** Hardhat, started from verity-chain's node_modules; skipped only where VERITY_SKIP_NODE_TESTS=1 (as verity-chain's TestNodes). */
    static HardhatNode hardhat() throws Exception {
        if (System.getProperty("verity.chain.dir") == null) {
            System.setProperty("verity.chain.dir", Path.of("..", "verity-chain").toAbsolutePath().normalize().toString());
        }
        try {
            return HardhatNode.start();
        } catch (HardhatNode.NotInstalledException e) {
            if ("1".equals(System.getenv("VERITY_SKIP_NODE_TESTS"))) {
                Assumptions.abort("skipped: " + e.getMessage());
            }
            throw e;
        }
    }

    static UserCommandsTest.Result cli(String rpc, Path deployment, String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--rpc";
        all[args.length + 1] = rpc;
        all[args.length + 2] = "--deployment";
        all[args.length + 3] = deployment.toString();
        return UserCommandsTest.run(CommandLine.defaultFactory(), all);
    }

    @Test
    void postStatusAccountAndZooOverJsonRpc(@TempDir Path dir) throws Exception {
        try (HardhatNode node = hardhat(); RpcChain chain = RpcChain.devNode(node.url)) {
            List<String> acc = DevAccounts.addresses(10);
            Verity.Config d = Verity.Config.defaults();
            Verity v = Verity.deploy(chain, acc.get(0), acc.get(1), d.withRoundTimeout(3600));
            Path deployment = dir.resolve("deployment.json");
            v.deployment().write(deployment);
            Path store = dir.resolve("blobs");
            String alice = acc.get(3);
            v.transfer(acc.get(0), alice, Verity.ether(10_000));

            TaskSpec spec = ProofCheck.small(dir).spec(11);
            Path specFile = dir.resolve("spec.json");
            Files.write(specFile, spec.canonicalBytes());
            Path home = dir.resolve("alice");
            UserCommandsTest.Result post = cli(node.url, deployment, "task", "post", specFile.toString(), "--key", UserCommandsTest.key(3),
                    "--store", store.toString(), "--home", home.toString(), "--verifiers", "1", "--solver-stake", "500");
            assertEquals(0, post.code(), post.err());
            long id = Long.parseLong(post.out().strip());
            assertEquals(Verity.Status.BIDDING, v.task(id).status());
            assertEquals(alice, v.task(id).submitter().toLowerCase());

            JsonNode status = cli(node.url, deployment, "task", "status", Long.toString(id), "--json").json();
            assertEquals("bidding", status.get("status").asText());
            assertEquals(spec.hashHex(), status.get("specHash").asText());
            JsonNode account = cli(node.url, deployment, "account", "--key-file", keyFile(dir, 3).toString(), "--json").json();
            assertEquals(alice, account.get("address").asText());
            assertEquals(Verity.ether(10_000).subtract(v.task(id).escrow()).toString(), account.get("balance").asText());
            assertTrue(new BigInteger(account.get("gasBalance").asText()).signum() > 0, "the dev account has ether for gas");
            assertEquals("the zoo is empty: no task has settled yet", cli(node.url, deployment, "zoo", "list").out().strip());

            // role nodes with their own JSON-RPC connection carry the task to settlement; alice's node reveals from her home
            try (RpcChain roles = RpcChain.devNode(node.url)) {
                Verity rv = Verity.attach(roles, Deployment.read(deployment));
                LocalBlobStore blobs = new LocalBlobStore(store);
                Submitter sub = new Submitter(new Submitter.Config("alice", alice, MILLI.multiply(BigInteger.TEN), MILLI, Verity.ether(500), 1, 600,
                        86400, 3600, 3600), rv, blobs, home, s -> { });
                Solver solver = new Solver(new Solver.Config("solver", acc.get(4), MILLI, 1_000_000, 2, Verity.ether(1_000)), rv, blobs,
                        dir.resolve("solver"), s -> { });
                Verifier verifier = new Verifier(new Verifier.Config("verifier", acc.get(5), Verity.ether(100), false), rv, blobs, s -> { });
                rv.transfer(acc.get(0), acc.get(4), Verity.ether(2_000));
                rv.transfer(acc.get(0), acc.get(5), Verity.ether(1_000));
                solver.join();
                verifier.join();
                new Network(rv, List.of(sub, solver, verifier)).runUntilFinal(id, 200);
            }
            JsonNode done = cli(node.url, deployment, "task", "status", Long.toString(id), "--json").json();
            assertEquals("settled", done.get("status").asText(), done.toString());
            String root = done.get("modelRoot").asText();
            JsonNode zoo = cli(node.url, deployment, "zoo", "list", "--json").json();
            assertEquals(1, zoo.size());
            assertEquals(root, zoo.get(0).get("modelRoot").asText());
            assertEquals(id, zoo.get(0).get("taskId").asLong());
            assertEquals(acc.get(4), zoo.get(0).get("solver").asText());

            Path out = dir.resolve("model.safetensors");
            UserCommandsTest.Result get = cli(node.url, deployment, "zoo", "get", root, "--out", out.toString(), "--store", "file:" + store);
            assertEquals(0, get.code(), get.err());
            assertArrayEquals(Sha256.unhex(root), TaskRun.modelRoot(new TreeMap<>(SafeTensors.read(out).tensors())));
        }
    }

    static Path keyFile(Path dir, int devIndex) throws Exception {
        Path f = dir.resolve("key-" + devIndex);
        Files.writeString(f, UserCommandsTest.key(devIndex) + "\n");
        return f;
    }
}

package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.chain.Chain;
import dev.verity.chain.DevAccounts;
import dev.verity.chain.Verity;
import dev.verity.node.LocalNet;
import dev.verity.node.Network;
import dev.verity.node.Role;
import dev.verity.node.Solver;
import dev.verity.node.Submitter;
import dev.verity.node.Verifier;
import dev.verity.testkit.proof.ProofCheck;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.tensor.io.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.utils.Numeric;
import picocli.CommandLine;

/**
 * The user commands against one Verity network on the embedded EVM: a submitter, a solver and a
 * verifier (as in {@code verity demo}) settle one tiny honest task so the zoo has a model; then
 * {@code task post}, {@code task status}, {@code zoo list}, {@code zoo get} and {@code account} run
 * in-process, reaching the chain through {@link NetworkOptions} exactly as over JSON-RPC (only the
 * chain opener differs), and every kind of bad input is one clear line and a non-zero exit.
 */
@Timeout(300)
class UserCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger MILLI = BigInteger.TEN.pow(15);
    static final Consumer<String> LOG = s -> { };

    @TempDir
    static Path dir;
    static LocalNet net;
    static Path deployment;
    static Path store;
    static long settledTask;
    static byte[] modelRoot;

    @BeforeAll
    static void settleOneTask() throws Exception {
        net = LocalNet.start(dir);
        Verity v = net.verity;
        Submitter sub = new Submitter(new Submitter.Config("submitter", net.account(0), MILLI.multiply(BigInteger.TEN), MILLI, Verity.ether(500), 1,
                600, 3600, 600, 600), v, net.store, dir.resolve("submitter"), LOG);
        Solver solver = new Solver(new Solver.Config("solver", net.account(1), MILLI, 1_000_000, 2, Verity.ether(1_000)), v, net.store,
                dir.resolve("solver"), LOG);
        Verifier verifier = new Verifier(new Verifier.Config("verifier", net.account(2), Verity.ether(100), false), v, net.store, LOG);
        net.fund(sub.account(), Verity.ether(100_000));
        net.fund(solver.account(), Verity.ether(2_000));
        net.fund(verifier.account(), Verity.ether(1_000));
        List<Role> roles = List.of(sub, solver, verifier);
        roles.forEach(Role::join);
        settledTask = sub.post(ProofCheck.small(dir).spec(1));
        new Network(v, roles).runUntilFinal(settledTask, 200);
        assertEquals(Verity.Status.SETTLED, v.task(settledTask).status());
        modelRoot = v.task(settledTask).modelRoot();
        deployment = dir.resolve("deployment.json");
        v.deployment().write(deployment);
        store = net.dir.resolve("blobs");
    }

    @AfterAll
    static void stop() {
        if (net != null) {
            net.close();
        }
    }

    record Result(int code, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    /** The embedded chain behind a NetworkOptions; the command's close() must not stop the shared chain. */
    static CommandLine.IFactory embedded() {
        return embedded(net.chain);
    }

    /** Commands whose NetworkOptions reach {@code chain} in-process; their close() leaves it running. */
    static CommandLine.IFactory embedded(Chain chain) {
        Chain shared = (Chain) Proxy.newProxyInstance(Chain.class.getClassLoader(), new Class<?>[] {Chain.class}, (p, m, a) -> {
            if (m.getName().equals("close")) {
                return null;
            }
            try {
                return m.invoke(chain, a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        return new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == NetworkOptions.class ? cls.cast(new NetworkOptions((url, keys) -> shared)) : CommandLine.defaultFactory().create(cls);
            }
        };
    }

    static synchronized Result run(CommandLine.IFactory factory, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = dev.verity.cli.VerityCli.execute(factory, args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Runs a command on the embedded network with --deployment (and --store where given) filled in. */
    static Result cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--deployment");
        a.add(deployment.toString());
        return run(embedded(), a.toArray(String[]::new));
    }

    static String key(int devIndex) {
        return Numeric.toHexStringNoPrefixZeroPadded(DevAccounts.credentials(10).get(devIndex).getEcKeyPair().getPrivateKey(), 64);
    }

    /** LocalNet account i is development account 2 + i. */
    static String keyOf(int localAccount) {
        return key(2 + localAccount);
    }

    static void assertFails(Result r, String expected) {
        assertTrue(r.code() != 0, "exit code must be non-zero; out: " + r.out() + " err: " + r.err());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("verity: ") && first.contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    // ------------------------------------------------------------------ zoo

    @Test
    void zooListShowsTheSettledModelAndZooGetWritesItVerified() throws Exception {
        String root = Sha256.hex(modelRoot);
        Result table = cli("zoo", "list");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().startsWith("MODEL ROOT"), table.out());
        String row = table.out().lines().filter(l -> l.startsWith(root)).findFirst().orElseThrow(() -> new AssertionError(table.out()));
        assertTrue(row.contains(" " + settledTask + " ") && row.contains(net.account(1)), row);

        Result json = cli("zoo", "list", "--json");
        assertEquals(0, json.code(), json.err());
        JsonNode e = json.json().get(0);
        Verity.TaskView t = net.verity.task(settledTask);
        assertEquals(root, e.get("modelRoot").asText());
        assertEquals(settledTask, e.get("taskId").asLong());
        assertEquals(Sha256.hex(t.spec().specHash()), e.get("specHash").asText());
        assertEquals(Sha256.hex(t.traceRoot()), e.get("traceRoot").asText());
        assertTrue(e.get("parentModel").isNull());
        assertEquals(net.account(1), e.get("solver").asText());

        Path out = dir.resolve("model.safetensors");
        Result get = cli("zoo", "get", root, "--out", out.toString(), "--store", store.toString());
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().contains("verified against the registry"), get.out());
        SafeTensors.Contents c = SafeTensors.read(out);
        assertEquals(root, Sha256.hex(TaskRun.modelRoot(new TreeMap<>(c.tensors()))), "the written weights hash to the registered root");
        Manifest m = Manifest.fromJson(net.store.get(Sha256.hex(t.manifestHash())));
        assertArrayEquals(net.store.get(m.modelBlob()), Files.readAllBytes(out), "the solver's model blob, byte for byte");

        // a unique prefix names the same model
        Path out2 = dir.resolve("model2.safetensors");
        assertEquals(0, cli("zoo", "get", "0x" + root.substring(0, 10), "--out", out2.toString(), "--store", store.toString()).code());
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(out2));

        // a built-in architecture has no ONNX to give back (OwnModelCommandsTest covers an imported one)
        assertFails(cli("zoo", "get", root, "--out", dir.resolve("m3.safetensors").toString(), "--onnx",
                dir.resolve("m3.onnx").toString(), "--store", store.toString()), "not an ONNX import");
    }

    @Test
    void zooGetRefusesUnknownMalformedMissingAndForgedModels() throws Exception {
        String root = Sha256.hex(modelRoot);
        Path out = dir.resolve("bad.safetensors");
        String unknown = Sha256.hex(Sha256.hash("no such model".getBytes(StandardCharsets.UTF_8)));
        assertFails(cli("zoo", "get", unknown, "--out", out.toString(), "--store", store.toString()), "no model " + unknown + " in the zoo");
        assertFails(cli("zoo", "get", "xyz", "--out", out.toString(), "--store", store.toString()), "a model hash is its model root");
        assertFails(cli("zoo", "get", root, "--out", out.toString()), "needs the network's blob store: --store");
        assertFails(cli("zoo", "get", root, "--out", out.toString(), "--store", "ftp://x"), "--store: unknown blob store scheme");

        // a store that does not hold the model (another network's, or an empty one)
        assertFails(cli("zoo", "get", root, "--out", out.toString(), "--store", dir.resolve("empty-store").toString()),
                "is not in the store");

        // a store that serves other bytes under the model blob's key: the store's check catches it
        Manifest m = Manifest.fromJson(net.store.get(Sha256.hex(net.verity.task(settledTask).manifestHash())));
        Path forged = dir.resolve("forged-store");
        for (String key : List.of(Sha256.hex(net.verity.task(settledTask).manifestHash()), m.modelBlob())) {
            Path to = forged.resolve(key.substring(0, 2)).resolve(key);
            Files.createDirectories(to.getParent());
            Files.copy(store.resolve(key.substring(0, 2)).resolve(key), to);
        }
        Path blob = forged.resolve(m.modelBlob().substring(0, 2)).resolve(m.modelBlob());
        byte[] b = Files.readAllBytes(blob);
        b[b.length - 1] ^= 1;
        Files.write(blob, b);
        assertFails(cli("zoo", "get", root, "--out", out.toString(), "--store", forged.toString()), "is corrupt");
        assertFalse(Files.exists(out), "nothing is written for a model that fails verification");
    }

    // ------------------------------------------------------------------ task post / status

    @Test
    void taskPostThenStatusThenASubmitterNodeRevealsFromTheSameHome() throws Exception {
        TaskSpec spec = ProofCheck.small(dir).spec(7);
        Path specFile = dir.resolve("spec7.json");
        Files.write(specFile, spec.canonicalBytes());
        Path home = dir.resolve("alice");
        String alice = net.account(3);
        net.fund(alice, Verity.ether(10_000));

        Result post = cli("task", "post", specFile.toString(), "--key", keyOf(3), "--store", store.toString(), "--home", home.toString(),
                "--max-price", "0.01", "--replay-fee", "0.001", "--solver-stake", "500", "--verifiers", "1");
        assertEquals(0, post.code(), post.err());
        long id = Long.parseLong(post.out().strip());
        Verity.TaskView t = net.verity.task(id);
        assertEquals(Verity.Status.BIDDING, t.status());
        assertEquals(alice, t.submitter().toLowerCase());
        assertArrayEquals(spec.hash(), t.spec().specHash());
        assertEquals(Verity.ether(500), t.spec().solverStake());
        assertEquals(MILLI.multiply(BigInteger.TEN), t.spec().maxPricePerUnit());
        assertTrue(net.store.has(spec.hashHex()), "the spec is in the blob store under its hash");
        assertTrue(Files.exists(home.resolve("secret-" + Sha256.hex(t.spec().seedCommit()))), "the secret is kept under --home");

        Result status = cli("task", "status", Long.toString(id));
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("status               bidding"), status.out());
        assertTrue(status.out().contains("submitter            " + alice), status.out());
        assertTrue(status.out().contains("bidding closes"), status.out());
        JsonNode j = cli("task", "status", Long.toString(id), "--json").json();
        assertEquals("bidding", j.get("status").asText());
        assertEquals(t.escrow().toString(), j.get("escrow").asText());
        assertTrue(j.get("solver").isNull());
        assertEquals(spec.hashHex(), j.get("specHash").asText());

        // a submitter node started later with the same account and home reveals the kept secret; the task settles
        Submitter node = new Submitter(new Submitter.Config("alice", alice, MILLI.multiply(BigInteger.TEN), MILLI, Verity.ether(500), 1, 600, 3600,
                600, 600), net.verity, net.store, home, LOG);
        Solver solver = new Solver(new Solver.Config("solver", net.account(1), MILLI, 1_000_000, 2, Verity.ether(1_000)), net.verity, net.store,
                dir.resolve("solver"), LOG);
        Verifier verifier = new Verifier(new Verifier.Config("verifier", net.account(2), Verity.ether(100), false), net.verity, net.store, LOG);
        new Network(net.verity, List.of(node, solver, verifier)).runUntilFinal(id, 200);
        JsonNode done = cli("task", "status", Long.toString(id), "--json").json();
        assertEquals("settled", done.get("status").asText());
        assertEquals(net.account(1), done.get("solver").asText());
        assertEquals(Sha256.hex(net.verity.task(id).modelRoot()), done.get("modelRoot").asText());
        assertEquals(Sha256.hex(net.verity.task(id).traceRoot()), done.get("traceRoot").asText());
        assertTrue(done.get("attestations").asLong() >= 1 && done.get("assignments").get(0).get("attested").asBoolean(), done.toString());
        assertEquals(0, done.get("disputes").size());
        assertTrue(cli("task", "status", Long.toString(id)).out().contains("(in the zoo)"));
    }

    @Test
    void taskPostRefusesBadSpecsKeysAndNetworks() throws Exception {
        Path home = dir.resolve("bob");
        String k = keyOf(4);
        net.fund(net.account(4), Verity.ether(10_000));
        Path good = dir.resolve("good.json");
        Files.write(good, ProofCheck.small(dir).spec(9).canonicalBytes());
        Path notJson = dir.resolve("not.json");
        Files.writeString(notJson, "{ \"version\": 1, ");
        assertFails(cli("task", "post", notJson.toString(), "--key", k, "--store", store.toString(), "--home", home.toString()),
                notJson + ": task spec: (document): not valid JSON");
        Path badSteps = dir.resolve("steps.json");
        Files.writeString(badSteps, new String(ProofCheck.small(dir).spec(9).canonicalBytes(), StandardCharsets.UTF_8)
                .replace("\"steps\":20", "\"steps\":-4"));
        assertFails(cli("task", "post", badSteps.toString(), "--key", k, "--store", store.toString(), "--home", home.toString()),
                "task spec: steps:");
        Path badRoot = dir.resolve("root.json");
        Files.writeString(badRoot, new String(ProofCheck.small(dir).spec(9).canonicalBytes(), StandardCharsets.UTF_8)
                .replace(ProofCheck.small(dir).spec(9).datasetRoot(), "00".repeat(32)));
        assertFails(cli("task", "post", badRoot.toString(), "--key", k, "--store", store.toString(), "--home", home.toString()),
                badRoot + ": task spec: dataset.root: the data named 'fashion-mnist:2000' has root");
        assertFails(cli("task", "post", dir.resolve("absent.json").toString(), "--key", k, "--store", store.toString()), "no such spec file");

        long before = net.verity.taskCount();
        assertFails(cli("task", "post", good.toString(), "--store", store.toString(), "--home", home.toString()), "task post sends a transaction");
        assertFails(cli("task", "post", good.toString(), "--key", "12ab", "--store", store.toString()), "--key: a private key is 32 bytes");
        assertFails(cli("task", "post", good.toString(), "--key", "0x" + "0".repeat(64), "--store", store.toString()), "not a valid secp256k1");
        assertFails(cli("task", "post", good.toString(), "--key-file", dir.resolve("no-key").toString(), "--store", store.toString()),
                "--key-file: no such file");
        // a key of an account with no tokens (never funded on this network)
        assertFails(cli("task", "post", good.toString(), "--key", key(9), "--store", store.toString(), "--home", home.toString()),
                "holds 0 VRT; this task escrows");
        assertFails(cli("task", "post", good.toString(), "--key", k, "--store", store.toString(), "--max-price", "cheap"),
                "'cheap' is not an amount of VRT");
        assertFails(cli("task", "post", good.toString(), "--key", k, "--home", home.toString()), "needs the network's blob store");
        assertEquals(before, net.verity.taskCount(), "no bad input posted a task");

        // the key from a file works as --key does
        Path keyFile = dir.resolve("bob.key");
        Files.writeString(keyFile, "0x" + k + "\n");
        Result ok = cli("task", "post", good.toString(), "--key-file", keyFile.toString(), "--store", store.toString(), "--home", home.toString());
        assertEquals(0, ok.code(), ok.err());
        assertEquals(net.account(4), net.verity.task(Long.parseLong(ok.out().strip())).submitter().toLowerCase());
    }

    @Test
    void taskStatusRefusesUnknownAndMalformedIds() {
        long n = net.verity.taskCount();
        assertFails(cli("task", "status", Long.toString(n + 100)), "no task " + (n + 100) + " on this network");
        assertFails(cli("task", "status", "abc"), "a task id is a positive whole number, got 'abc'");
        assertFails(cli("task", "status", "0"), "a task id is a positive whole number");
    }

    // ------------------------------------------------------------------ account

    @Test
    void accountShowsBalanceStakeAndVerifierRegistration() throws Exception {
        Verity v = net.verity;
        String solver = net.account(1);
        JsonNode s = cli("account", solver, "--json").json();
        assertEquals(v.balanceOf(solver).toString(), s.get("balance").asText());
        assertEquals(v.staked(solver).toString(), s.get("staked").asText());
        assertEquals(v.staked(solver).subtract(v.locked(solver)).toString(), s.get("free").asText());
        assertEquals(Verity.ether(1_000).toString(), s.get("staked").asText());
        assertFalse(s.get("verifier").asBoolean());

        Result mine = cli("account", "--key", keyOf(2));
        assertEquals(0, mine.code(), mine.err());
        assertTrue(mine.out().contains("account        " + net.account(2)), mine.out());
        assertTrue(mine.out().contains("verifier       registered"), mine.out());
        assertTrue(mine.out().contains("stake          100 VRT"), mine.out());

        // unbonding shows up with its release time
        String carol = net.account(5);
        net.fund(carol, Verity.ether(50));
        v.approve(carol, v.staking, Verity.ether(50));
        v.stake(carol, Verity.ether(50));
        v.requestUnbond(carol, Verity.ether(20));
        JsonNode c = cli("account", carol, "--json").json();
        assertEquals(Verity.ether(30).toString(), c.get("staked").asText());
        assertEquals(Verity.ether(20).toString(), c.get("unbonding").asText());
        assertEquals(v.unbondingReleaseAt(carol), c.get("unbondingReleaseAt").asLong());
        assertTrue(cli("account", carol).out().contains("unbonding      20 VRT, withdrawable"));
    }

    @Test
    void accountRefusesBadAddressesAndMissingAccount() {
        assertFails(cli("account", "0x1234"), "ADDRESS must be 0x followed by 40 hex digits");
        assertFails(cli("account"), "whose account?");
        assertFails(cli("account", "--key", "zz" + "1".repeat(62)), "not all hex digits");
    }

    // ------------------------------------------------------------------ network options

    @Test
    void badDeploymentsAndUnreachableNodesAreOneLine() throws Exception {
        String solver = net.account(1);
        assertFails(run(embedded(), "account", solver), "needs the network's contracts: --deployment FILE");
        assertFails(run(embedded(), "account", solver, "--deployment", dir.resolve("nope.json").toString()), "--deployment: no such file");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"chainId\": 31337, \"token\": \"0x12\"}");
        assertFails(run(embedded(), "zoo", "list", "--deployment", broken.toString()), "--deployment " + broken + ": malformed deployment");
        Path other = dir.resolve("other-chain.json");
        Files.writeString(other, Files.readString(deployment).replace("\"chainId\" : 31337", "\"chainId\" : 5"));
        assertFails(run(embedded(), "zoo", "list", "--deployment", other.toString()), "deployment is for chain id 5, this chain is 31337");
        Path stale = dir.resolve("stale.json");
        Files.writeString(stale, Files.readString(deployment).replace(net.verity.market.substring(2), "ab".repeat(20)));
        assertFails(run(embedded(), "zoo", "list", "--deployment", stale.toString()), "no contract at the market address 0x" + "ab".repeat(20));

        // the real JSON-RPC path: nothing listens on this port
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Result r = run(CommandLine.defaultFactory(), "zoo", "list", "--rpc", "http://127.0.0.1:" + port, "--deployment", deployment.toString());
        assertFails(r, "cannot reach the JSON-RPC node at http://127.0.0.1:" + port);
        assertFails(run(CommandLine.defaultFactory(), "zoo", "list", "--rpc", "ws://127.0.0.1:1", "--deployment", deployment.toString()),
                "--rpc must be an http(s) URL");
    }

}

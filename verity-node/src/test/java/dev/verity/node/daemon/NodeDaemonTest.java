package dev.verity.node.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.chain.DevAccounts;
import dev.verity.chain.HardhatNode;
import dev.verity.chain.RpcChain;
import dev.verity.chain.Verity;
import dev.verity.node.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

/**
 * The daemon in this JVM against a real Hardhat node on 127.0.0.1: it joins, serves its status and
 * health, logs JSON lines, survives failing ticks (reporting them), and stops when asked.
 */
@Timeout(180)
class NodeDaemonTest {
    static HardhatNode hardhat;
    static Verity v;
    static Path deployment;
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void chain(@TempDir Path dir) throws Exception {
        // tests run in verity-node/; the Hardhat install is in the sibling verity-chain/
        if (System.getProperty("verity.chain.dir") == null && System.getProperty("verity.home") == null) {
            System.setProperty("verity.chain.dir", Path.of("..", "verity-chain").toAbsolutePath().normalize().toString());
        }
        try {
            hardhat = HardhatNode.start();
        } catch (HardhatNode.NotInstalledException e) {
            if ("1".equals(System.getenv("VERITY_SKIP_NODE_TESTS"))) {
                Assumptions.abort("skipped: " + e.getMessage());
            }
            throw e;
        }
        List<Credentials> keys = DevAccounts.credentials(6);
        RpcChain chain = new RpcChain(hardhat.url, List.of(keys.get(0)));
        v = Verity.deploy(chain, DevAccounts.addresses(2).get(0), DevAccounts.addresses(2).get(1), Verity.Config.defaults());
        deployment = dir.resolve("deployment.json");
        v.deployment().write(deployment);
    }

    @AfterAll
    static void stopChain() {
        if (v != null) {
            v.chain.close();
        }
        if (hardhat != null) {
            hardhat.close();
        }
    }

    static String key(int i) {
        return Numeric.toHexStringNoPrefixZeroPadded(DevAccounts.credentials(6).get(i).getEcKeyPair().getPrivateKey(), 64);
    }

    private JsonNode get(int port, String path, int expect) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(expect, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private JsonNode await(int port, Predicate<JsonNode> ok, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode st = get(port, "/status", 200);
        while (!ok.test(st)) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + "; last status " + st);
            Thread.sleep(50);
            st = get(port, "/status", 200);
        }
        return st;
    }

    private static List<JsonNode> lines(ByteArrayOutputStream out) throws Exception {
        List<JsonNode> l = new ArrayList<>();
        for (String s : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!s.isBlank()) {
                l.add(JSON.readTree(s)); // every line is one JSON object
            }
        }
        return l;
    }

    @Test
    void verifierJoinsServesStatusAndStops(@TempDir Path dir) throws Exception {
        String account = DevAccounts.addresses(3).get(2);
        v.transfer(v.deployer, account, Verity.ether(1_000));
        Path portFile = dir.resolve("status.port");
        NodeConfig cfg = new NodeConfig("verifier", "verifier victor", hardhat.url, deployment.toString(), key(2), null, dir.resolve("blobs").toString(),
                dir.resolve("home").toString(), null, 0, portFile.toString(), 50, null, new NodeConfig.VerifierParams("100", false), null, null, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NodeDaemon node = NodeDaemon.open(cfg, new PrintStream(out, true, StandardCharsets.UTF_8));
        Thread loop = new Thread(node::run, "node-under-test");
        loop.start();
        try {
            int port = Integer.parseInt(Files.readString(portFile).strip());
            assertEquals(node.statusPort(), port, "the bound port is in the port file");
            JsonNode st = await(port, s -> s.path("joined").asBoolean() && s.path("ticks").asLong() >= 2, "the node to join and tick");
            assertEquals("verifier", st.get("role").asText());
            assertEquals("verifier victor", st.get("name").asText());
            assertEquals(account, st.get("account").asText());
            assertEquals("100", st.get("staked").asText(), "staked on joining");
            assertEquals("900", st.get("tokens").asText());
            assertEquals(ProcessHandle.current().pid(), st.get("pid").asLong());
            assertTrue(st.get("lastError").isNull(), st.toString());
            assertTrue(v.staked(account).equals(Verity.ether(100)), "the stake is on chain");
            assertEquals("ok", get(port, "/health", 200).get("status").asText());
            assertEquals("not-found", get(port, "/nope", 404).get("error").asText());
        } finally {
            node.stop();
            loop.join(20_000);
            node.close();
        }
        assertFalse(loop.isAlive(), "the loop ended on stop()");
        List<String> events = lines(out).stream().map(j -> j.get("event").asText()).toList();
        assertEquals("started", events.get(0));
        assertTrue(events.contains("joined") && events.get(events.size() - 1).equals("stopped"), events.toString());
        for (JsonNode j : lines(out)) {
            for (String f : List.of("time", "node", "role", "level", "event", "message")) {
                assertTrue(j.has(f), f + " missing in " + j);
            }
        }
    }

    /** A standalone challenger joins (approves the game for its bond) and ticks; it has no stake and no task. */
    @Test
    void challengerJoins(@TempDir Path dir) throws Exception {
        String account = DevAccounts.addresses(5).get(4);
        NodeConfig cfg = new NodeConfig("challenger", "carla", hardhat.url, deployment.toString(), key(4), null, dir.resolve("blobs").toString(),
                dir.resolve("home").toString(), null, 0, null, 50, null, null, null, null, null);
        NodeDaemon node = NodeDaemon.open(cfg, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        Thread loop = new Thread(node::run, "node-under-test");
        loop.start();
        try {
            JsonNode st = await(node.statusPort(), s -> s.path("joined").asBoolean() && s.path("ticks").asLong() >= 1, "the challenger to join");
            assertEquals("challenger", st.get("role").asText());
            assertEquals(account, st.get("account").asText());
            byte[] allowance = v.view(v.token, "allowance(address,address)", dev.verity.chain.Abi.addr(account), dev.verity.chain.Abi.addr(v.game));
            assertEquals(dev.verity.node.Accounts.UNLIMITED, dev.verity.chain.Abi.word(allowance, 0), "the game may take its bond");
        } finally {
            node.stop();
            loop.join(20_000);
            node.close();
        }
    }

    /** A submitter whose blob store is down: every tick fails, the node keeps going and says why. */
    @Test
    void failingTicksAreLoggedRetriedAndReported(@TempDir Path dir) throws Exception {
        v.transfer(v.deployer, DevAccounts.addresses(4).get(3), Verity.ether(1_000));
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort(); // closed again: nothing listens there
        }
        Path spec = dir.resolve("task.json");
        Files.write(spec, Demo.spec(7).canonicalBytes());
        NodeConfig cfg = new NodeConfig("submitter", "alice", hardhat.url, deployment.toString(), key(3), null, "http://127.0.0.1:" + deadPort,
                dir.resolve("home").toString(), null, 0, null, 20, null, null,
                new NodeConfig.SubmitterParams("0.01", "0.001", "500", 1, null, null, null, null, List.of(spec.toString())), null, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NodeDaemon node = NodeDaemon.open(cfg, new PrintStream(out, true, StandardCharsets.UTF_8));
        Thread loop = new Thread(node::run, "node-under-test");
        loop.start();
        try {
            JsonNode st = await(node.statusPort(), s -> s.path("failedTicks").asLong() >= 3, "three failed ticks");
            assertTrue(st.get("lastError").asText().contains("127.0.0.1:" + deadPort), st.toString());
            assertEquals("failing", get(node.statusPort(), "/health", 503).get("status").asText());
            assertTrue(loop.isAlive(), "a failing tick never ends the node");
            assertEquals(0, v.taskCount(), "nothing was posted without the spec in the blob store");
        } finally {
            node.stop();
            loop.join(20_000);
            node.close();
        }
        long failed = lines(out).stream().filter(j -> j.get("event").asText().equals("tick-failed") && j.get("level").asText().equals("error")).count();
        assertTrue(failed >= 3, failed + " tick-failed lines");
    }
}

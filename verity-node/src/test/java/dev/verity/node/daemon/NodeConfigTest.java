package dev.verity.node.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
    static final String KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    static String solver(String extra) {
        return """
                {"role": "solver", "name": "solver bob", "rpc": "http://127.0.0.1:8545", "deployment": "deployment.json",
                 "privateKey": "%s", "blobStore": "http://127.0.0.1:9000", "home": "bob" %s,
                 "solver": {"pricePerUnit": "0.002", "stake": "1000"}}
                """.formatted(KEY, extra);
    }

    static NodeConfig parse(String json) throws Exception {
        return NodeConfig.fromJson(json.getBytes(StandardCharsets.UTF_8), Path.of("/etc/verity"));
    }

    static String error(String json) {
        return assertThrows(IllegalArgumentException.class, () -> parse(json)).getMessage();
    }

    @Test
    void parsesDefaultsAndResolvesRelativePaths() throws Exception {
        NodeConfig c = parse(solver(""));
        assertEquals("solver", c.role());
        assertEquals("/etc/verity/deployment.json", c.deployment());
        assertEquals("/etc/verity/bob", c.home());
        assertEquals("http://127.0.0.1:9000", c.blobStore(), "a URI is not a path");
        assertEquals(0, c.statusPort());
        assertEquals("127.0.0.1", c.statusHost());
        assertEquals(NodeConfig.DEFAULT_POLL_MILLIS, c.pollMillis());
        assertEquals(new BigInteger("2000000000000000"), c.solverPrice(), "0.002 VRT in base units, exactly");
        assertEquals(1_000_000L, c.solver().capacityWorkUnits());
        assertEquals("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", c.account());
        NodeConfig again = NodeConfig.fromJson(c.toJson(), Path.of("/elsewhere"));
        assertEquals(c, again, "written and read back: absolute paths stay");
    }

    @Test
    void badInputNamesTheFieldAndTheProblem() {
        assertTrue(error(solver(", \"statusPrt\": 1")).contains("unknown field 'statusPrt'; known fields: [blobStore, challenger, deployment"));
        assertTrue(error(solver("").replace("\"stake\": \"1000\"}", "\"stake\": \"1000\", \"prize\": 1}"))
                .contains("unknown field 'prize' in 'solver'; known fields: [capacityWorkUnits, maxConcurrentTasks, pricePerUnit, stake, strategy]"));
        assertTrue(error(solver(", \"statusPort\": 70000")).contains("statusPort must be 0..65535"));
        assertTrue(error(solver(", \"keyFile\": \"k\"")).contains("exactly one of privateKey (hex) and keyFile"));
        assertTrue(error(solver(", \"verifier\": {\"stake\": \"1\"}")).contains("a solver node takes a 'solver' section, not a 'verifier' section"));
        assertTrue(error(solver("").replace("\"0.002\"", "\"two\"")).contains("solver.pricePerUnit must be an amount of VRT"));
        assertTrue(error(solver("").replace("\"0.002\"", "\"0.0000000000000000001\"")).contains("more than 18 decimals"));
        assertTrue(error(solver("").replace("\"0.002\"", "\"-1\"")).contains("solver.pricePerUnit must be positive"));
        assertTrue(error(solver("").replace("\"solver\", \"name\"", "\"miner\", \"name\"")).contains("role must be one of [solver, verifier, submitter, challenger]"));
        assertTrue(error(solver("").replace("http://127.0.0.1:8545", "127.0.0.1:8545")).contains("rpc must be the chain's JSON-RPC URL"));
        assertTrue(error(solver("").replace(KEY, "0x1234")).contains("privateKey must be 64 hex digits"));
        assertTrue(error(solver("").replace("\"stake\": \"1000\"}", "\"stake\": \"1000\", \"strategy\": \"napping\"}"))
                .contains("solver.strategy: solver strategy 'napping' is unknown: only 'honest' is on the classpath"));
        assertTrue(error(solver("").replace("\"solver\": {\"pricePerUnit\": \"0.002\", \"stake\": \"1000\"}", "\"x\": 1").replace(", \"x\": 1", ""))
                .contains("a solver node needs a 'solver' section"));
        assertTrue(error("{\"role\": \"solver\",").contains("not valid JSON"));
    }

    @Test
    void keyFileIsReadRelativeToTheConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("node.key"), KEY.substring(2) + "\n");
        Path cfg = dir.resolve("node.json");
        Files.writeString(cfg, solver("").replace("\"privateKey\": \"" + KEY + "\"", "\"keyFile\": \"node.key\""));
        NodeConfig c = NodeConfig.read(cfg);
        assertEquals(dir.resolve("node.key").toString(), c.keyFile());
        assertEquals("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", c.account());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> NodeConfig.read(dir.resolve("absent.json")));
        assertTrue(missing.getMessage().contains("absent.json does not exist"));
    }

    /** The example in docs/node.md is a valid config (so the docs cannot drift from the code). */
    @Test
    void theDocumentedExampleParses() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "node.md"));
        Matcher m = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        int n = 0;
        while (m.find()) {
            String block = m.group(1);
            if (block.contains("\"role\"")) {
                NodeConfig c = parse(block);
                assertTrue(NodeConfig.ROLES.contains(c.role()));
                n++;
            }
        }
        assertTrue(n >= 2, "docs/node.md has at least two example configs, found " + n);
    }
}

package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The committed artifacts (ABI + bytecode) must be what the pinned solc makes of the committed
 * sources. Needs verity-chain/node_modules/solc (setup-node-packages.sh); skipped with a message
 * without it, since a Java-only user has no Node.js. CI installs the packages, so CI checks it.
 */
class ArtifactsTest {
    @Test
    void everyDeployableContractHasBytecode() {
        for (String c : List.of("VerityToken", "Staking", "TaskMarket", "DisputeGame", "ModelRegistry", "AlwaysDefenderReferee", "AlwaysChallengerReferee")) {
            assertTrue(Artifacts.bytecode(c).length > 100, c);
            assertEquals("shanghai", Artifacts.load(c).get("compiler").get("evmVersion").asText());
        }
    }

    /** A chain refuses runtime code above EIP-170's 24,576 bytes and creation code above EIP-3860's 49,152 bytes. */
    @Test
    void everyDeployedContractFitsTheCodeSizeLimits() {
        for (String c : List.of("VerityToken", "Staking", "TaskMarket", "DisputeGame", "ModelRegistry", "InitReferee", "BasicOpReferee", "LinkStructure",
                "LinkStructureRows", "LinkStructureNorm", "StructureReferee", "ProtocolParams", "VerityGovernor", "VerityTimelock")) {
            int runtime = org.web3j.utils.Numeric.hexStringToByteArray(Artifacts.load(c).get("deployedBytecode").asText()).length;
            assertTrue(runtime > 0 && runtime <= 24_576, c + "'s runtime code is " + runtime + " bytes");
            assertTrue(Artifacts.bytecode(c).length <= 49_152, c + "'s creation code is " + Artifacts.bytecode(c).length + " bytes");
        }
    }

    @Test
    void committedArtifactsMatchSources() throws Exception {
        Path dir = HardhatNode.chainDir();
        if (!Files.exists(dir.resolve("node_modules/solc"))) {
            Assumptions.abort("skipped: node_modules/solc absent in " + dir + "; run verity-chain/setup-node-packages.sh to check the artifacts");
        }
        Path out = dir.resolve("target/recompiled-contracts");
        Process p = new ProcessBuilder("node", "scripts/compile.js", "src/main/solidity", out.resolve("main").toString(), "src/test/solidity",
                out.resolve("test").toString()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("target/recompile.log").toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("solc took longer than 180 s");
        }
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("target/recompile.log")));
        sameFiles(out.resolve("main"), dir.resolve("src/main/resources/dev/verity/chain/contracts"));
        sameFiles(out.resolve("test"), dir.resolve("src/test/resources/dev/verity/chain/contracts"));
    }

    private static void sameFiles(Path fresh, Path committed) throws Exception {
        List<String> a, b;
        try (Stream<Path> x = Files.list(fresh); Stream<Path> y = Files.list(committed)) {
            a = x.map(f -> f.getFileName().toString()).sorted().toList();
            b = y.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertEquals(a, b, "artifact set differs in " + committed + ": run verity-chain/compile-contracts.sh");
        for (String f : a) {
            assertArrayEquals(Files.readAllBytes(fresh.resolve(f)), Files.readAllBytes(committed.resolve(f)),
                    f + " is stale: run verity-chain/compile-contracts.sh and commit the result");
        }
    }
}

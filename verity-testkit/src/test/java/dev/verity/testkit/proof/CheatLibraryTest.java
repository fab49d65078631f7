package dev.verity.testkit.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.node.daemon.NodeConfig;
import dev.verity.proof.run.SolverStrategy;
import dev.verity.proof.run.StrategyLibrary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With the testkit on the classpath, the cheat library is what production code finds by name (the daemon's
 * {@code solver.strategy}, the demos): through ServiceLoader, not through a reference to this module.
 */
class CheatLibraryTest {
    @Test
    void everyCheatIsFoundByNameAfterHonest() {
        List<SolverStrategy> all = StrategyLibrary.all();
        assertSame(SolverStrategy.HONEST, all.get(0));
        assertEquals(Cheats.all().size() + 1, all.size(), "honest and every cheat");
        for (Cheat c : Cheats.all()) {
            assertSame(c.getClass(), StrategyLibrary.named(c.name()).getClass(), c.name());
            assertEquals(c.name(), StrategyLibrary.named(c.name()).name());
            assertTrue(!StrategyLibrary.named(c.name()).honest(), c.name() + " is not honest");
        }
        assertSame(SolverStrategy.HONEST, StrategyLibrary.named("honest"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StrategyLibrary.named("napping")).getMessage()
                .contains("'napping' is unknown; there are [honest, "));
    }

    @Test
    void aDaemonConfigNamesACheat() throws Exception {
        String json = """
                {"role": "solver", "name": "solver mallory", "rpc": "http://127.0.0.1:8545", "deployment": "deployment.json",
                 "privateKey": "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", "blobStore": "blobs",
                 "home": "mallory", "solver": {"pricePerUnit": "0.001", "stake": "1000", "strategy": "skipped-steps"}}
                """;
        NodeConfig c = NodeConfig.fromJson(json.getBytes(StandardCharsets.UTF_8), Path.of("/etc/verity"));
        assertEquals("skipped-steps", c.solver().strategy());
        assertEquals("skipped-steps", NodeConfig.strategyNamed(c.solver().strategy()).name());
    }
}

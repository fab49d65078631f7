package dev.verity.testkit.attack;

import dev.verity.chain.HardhatNode;
import java.io.IOException;
import org.junit.jupiter.api.Assumptions;

/**
 * Hardhat nodes for the testkit's tests (as verity-chain's own TestNodes): a missing Hardhat FAILS the test (CI installs it), unless the environment
 * sets VERITY_SKIP_NODE_TESTS=1, which skips it with the install hint.
 */
public final class TestNodes {
    private TestNodes() {
    }

    public static HardhatNode hardhat() throws IOException, InterruptedException {
        try {
            return HardhatNode.start();
        } catch (HardhatNode.NotInstalledException e) {
            if ("1".equals(System.getenv("VERITY_SKIP_NODE_TESTS"))) Assumptions.abort("skipped: " + e.getMessage());
            throw e;
        }
    }
}

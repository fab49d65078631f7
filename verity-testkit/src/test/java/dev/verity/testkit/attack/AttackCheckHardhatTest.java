package dev.verity.testkit.attack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.DevAccounts;
import dev.verity.chain.HardhatNode;
import dev.verity.chain.RpcChain;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A subset of the attack library on a real Hardhat node (JSON-RPC, signed transactions, Hardhat's own clock and block
 * hashes), each on its own fresh deployment: the rules hold there as on the embedded EVM.
 */
class AttackCheckHardhatTest {
    static final List<String> SUBSET = List.of("sybil-silent-dispute", "random-trace-root", "withheld-element-chain", "registry-squat",
            "grind-fallback-randomness", "griefing-disputes");

    @Test
    void attacksFailOnAHardhatNode() throws Exception {
        try (HardhatNode node = TestNodes.hardhat()) {
            for (AttackLibrary.Attack attack : AttackLibrary.all()) {
                if (!SUBSET.contains(attack.name())) {
                    continue;
                }
                AttackCheck.Row r;
                try (Arena x = new Arena(new RpcChain(node.url, DevAccounts.credentials(9 + Arena.EXTRA)))) {
                    r = AttackCheck.run(attack, x);
                }
                System.out.printf("hardhat: %-26s attacker %s, honest %s, gas %d: %s%n", r.attack(), AttackCheck.signed(r.attackerNet()),
                        AttackCheck.signed(r.honestNet()), r.gas(), r.outcome());
                assertTrue(r.defended(), attack.name() + " on Hardhat: " + r);
            }
        }
    }
}

package dev.verity.testkit.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.Verity;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every attack of the library on the real contracts: none profits, none costs an honest party, every rule holds. */
class AttackCheckTest {
    @Test
    void noAttackPays() {
        List<AttackCheck.Row> rows = AttackCheck.runAll(null, System.out);
        assertTrue(rows.size() >= 15, "the issue asks for at least 15 attacks: " + rows.size());
        for (AttackCheck.Row r : rows) {
            assertTrue(r.ruleHeld(), r.attack() + ": the rule did not hold: " + r.outcome());
            assertFalse(r.attackerProfits(), r.attack() + ": the attacker profits " + r.attackerNet());
            assertFalse(r.honestLoses(), r.attack() + ": an honest party loses " + r.honestMin());
        }
    }

    /** The check can fail: a caught cheater's net is exactly minus its stake, and the honest challenger's is half of it. */
    @Test
    void netsAreCounted() {
        AttackCheck.Row r = AttackCheck.run(AttackLibrary.all().stream().filter(a -> a.name().equals("random-trace-root")).findFirst().orElseThrow());
        BigInteger stake = Verity.ether(1000);
        assertEquals(stake.negate(), r.attackerNet());
        assertEquals(stake.divide(BigInteger.TWO), r.honestNet());
        assertTrue(r.gas() > 0);
    }
}

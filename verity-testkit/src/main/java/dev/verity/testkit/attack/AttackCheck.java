package dev.verity.testkit.attack;

import java.io.PrintStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code verity chain attack-check}: every attack of {@link AttackLibrary} on a fresh deployment of the real contracts,
 * one row each (attack, attacker, the attacker's net tokens, the targeted honest parties' net, the attacker's gas, what
 * happened), then {@code attacks tried: N, attacker profit > 0: P, honest loss > 0: L}. An attack fails when the
 * attackers' summed net is not positive, no targeted honest party's net is negative, and the rule it attacks held.
 */
public final class AttackCheck {
    private AttackCheck() {}

    /** One attack's result. {@code honestMin}: the lowest net of any targeted honest party (zero when none). */
    public record Row(String attack, String attacker, BigInteger attackerNet, BigInteger honestNet, BigInteger honestMin, long gas, String outcome,
            boolean ruleHeld) {
        public boolean attackerProfits() {
            return attackerNet.signum() > 0;
        }

        public boolean honestLoses() {
            return honestMin.signum() < 0;
        }

        public boolean defended() {
            return ruleHeld && !attackerProfits() && !honestLoses();
        }
    }

    public static Row run(AttackLibrary.Attack attack) {
        try (Arena x = new Arena()) {
            return run(attack, x);
        }
    }

    /** Plays {@code attack} in {@code x} (a fresh arena: the nets count from its deployment). */
    public static Row run(AttackLibrary.Attack attack, Arena x) {
        x.mark();
        java.util.Map<String, Long> gasBefore = new java.util.HashMap<>();
        for (String who : x.everyone()) gasBefore.put(who, x.v.gasSentBy(who));
        AttackLibrary.Outcome o = attack.play().apply(x);
        BigInteger attackerNet = BigInteger.ZERO;
        long gas = 0;
        for (String who : o.attackers()) {
            attackerNet = attackerNet.add(x.net(who));
            gas += x.v.gasSentBy(who) - gasBefore.get(who);
        }
        BigInteger honestNet = BigInteger.ZERO;
        BigInteger honestMin = BigInteger.ZERO;
        for (String who : o.honest()) {
            BigInteger n = x.net(who);
            honestNet = honestNet.add(n);
            honestMin = honestMin.min(n);
        }
        dev.verity.chain.ChainSelftest.checkConservation(x.v, x.everyone());
        return new Row(attack.name(), attack.attacker(), attackerNet, honestNet, honestMin, gas, o.what(), o.ruleHeld());
    }

    /** Runs every attack (or those whose name contains {@code only}), prints the table; returns the rows. */
    public static List<Row> runAll(String only, PrintStream out) {
        List<Row> rows = new ArrayList<>();
        String f = "%-26s %-38s %14s %14s %10s  %s%n";
        out.printf(f, "attack", "attacker", "attacker net", "honest net", "gas", "outcome");
        for (AttackLibrary.Attack a : AttackLibrary.all()) {
            if (only != null && !a.name().contains(only)) continue;
            Row r = run(a);
            rows.add(r);
            out.printf(f, r.attack(), r.attacker(), signed(r.attackerNet()), signed(r.honestNet()), r.gas(),
                    (r.defended() ? "" : "NOT DEFENDED: ") + r.outcome());
        }
        long profit = rows.stream().filter(Row::attackerProfits).count();
        long loss = rows.stream().filter(Row::honestLoses).count();
        long broken = rows.stream().filter(r -> !r.ruleHeld()).count();
        out.println("(net tokens: wallet + stake + unbonding, in VRT, after every dispute and the task ended; gas: the attackers' transactions)");
        out.printf("attacks tried: %d, attacker profit > 0: %d, honest loss > 0: %d%s%n", rows.size(), profit, loss,
                broken == 0 ? "" : ", rules broken: " + broken);
        return rows;
    }

    static String signed(BigInteger wei) {
        return (wei.signum() > 0 ? "+" : "") + AttackLibrary.tokens(wei);
    }
}

package dev.verity.testkit.econ;

import dev.verity.chain.Verity;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The verdict on a run: for each strategy its mean net profit with a 95% confidence interval and, for a deviation,
 * whether it pays: a deviation is profitable when its mean exceeds its honest counterpart's (0 for a griefer) by more
 * than its own confidence half-width.
 */
public record Report(List<Row> rows, boolean honestProfits) {
    /** One strategy's line. {@code base}: its honest counterpart's mean (NaN for an honest strategy). */
    public record Row(Strategy strategy, Sample sample, double base, boolean profitable) {
        public double gain() {
            return sample.mean() - base;
        }
    }

    public static Report of(Simulation.Result r) {
        List<Row> rows = new ArrayList<>();
        for (Strategy s : Strategy.values()) {
            Sample x = r.profit().get(s);
            if (x.n() == 0) continue;
            double base = !s.deviation() ? Double.NaN : s.counterpart == null ? 0 : r.profit().get(s.counterpart).mean();
            // fewer than two samples give no interval: such a deviation cannot be cleared, so it counts against the rules
            boolean profitable = s.deviation() && (x.n() < 2 || x.mean() - base > x.halfWidth());
            rows.add(new Row(s, x, base, profitable));
        }
        boolean honest = r.profit().get(Strategy.HONEST_SOLVER).mean() > 0 && r.profit().get(Strategy.DILIGENT).mean() > 0;
        return new Report(List.copyOf(rows), honest);
    }

    public long profitableDeviations() {
        return rows.stream().filter(Row::profitable).count();
    }

    /** Passed: no deviation pays and honest solvers and verifiers earn. */
    public boolean passed() {
        return profitableDeviations() == 0 && honestProfits;
    }

    public Row row(Strategy s) {
        return rows.stream().filter(x -> x.strategy() == s).findFirst().orElseThrow(() -> new IllegalArgumentException("no samples of " + s.label));
    }

    public void print(Simulation.Result r, PrintStream out) {
        out.printf(Locale.ROOT, "%-12s %-15s %-12s %7s %12s %10s %12s  %s%n", "strategy", "role", "net", "samples", "mean VRT", "±95% CI",
                "vs honest", "profitable deviation");
        for (Row x : rows) {
            String vs = x.strategy().deviation() ? String.format(Locale.ROOT, "%+12.1f", x.gain()) : String.format("%12s", "-");
            String verdict = !x.strategy().deviation() ? "(honest)" : x.profitable() ? "YES" : "no";
            out.printf(Locale.ROOT, "%-12s %-15s %-12s %7d %12.1f %10.1f %s  %s%n", x.strategy().label, x.strategy().role.label, x.strategy().role.unit,
                    x.sample().n(), x.sample().mean(), x.sample().halfWidth(), vs, verdict);
        }
        out.printf(Locale.ROOT, "%-12s %-15s %-12s %7d %12.1f %10.1f %12s  %s%n", "submitter", "submitter", "per task", r.submitter().n(),
                r.submitter().mean(), r.submitter().halfWidth(), "-", "(pays for the work)");
        out.println("* in the honest solver's tasks only: in a cheater's task a diligent seat also wins half the cheater's stake");
    }

    /** The load test's figures: throughput, gas, end states, escrow and conservation (each checked during the run). */
    public static void printLoad(Simulation.Result r, PrintStream out) {
        double vrtPerGas = r.settings().economy().vrtPerGas();
        out.printf(Locale.ROOT, "load: %d tasks in %.1f s: %.2f tasks/s, %,.0f gas per task (%.1f VRT at %.2e VRT a gas; an honest solver's "
                + "task %,.0f)%n", r.tasks(), r.seconds(), r.tasksPerSecond(), r.gasPerTask(), r.gasPerTask() * vrtPerGas, vrtPerGas,
                r.honestGas().mean());
        out.printf(Locale.ROOT, "end states: %d settled, %d failed, %d cancelled, 0 stuck; escrow left 0, bonds left 0 (jackpot pool %.1f VRT "
                + "for future forced errors)%n", r.statuses().getOrDefault(Verity.Status.SETTLED, 0), r.statuses().getOrDefault(Verity.Status.FAILED, 0),
                r.statuses().getOrDefault(Verity.Status.CANCELLED, 0), r.jackpotPool());
        out.printf(Locale.ROOT, "tokens conserved: wallets + stakes + unbonding + contract balances = supply (%s wei), checked every %d tasks%n",
                r.supply(), Simulation.CONSERVATION_EVERY);
    }

    public String finalLine() {
        return String.format(Locale.ROOT, "strategies: %d, profitable deviations: %d, honest profit > 0: %s", rows.size(), profitableDeviations(),
                honestProfits ? "yes" : "no");
    }
}

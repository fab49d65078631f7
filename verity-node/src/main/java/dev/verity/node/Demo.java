package dev.verity.node;

import dev.verity.chain.Abi;
import dev.verity.chain.Verity;
import dev.verity.proof.run.SolverStrategy;
import dev.verity.proof.run.StrategyLibrary;
import dev.verity.merkle.Sha256;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.tensor.model.ModelConfig;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code verity demo}: one whole network in one JVM. A submitter posts a Fashion-MNIST task,
 * three solvers bid, the cheapest trains, verifiers replay sampled segments and attest, the task
 * settles and its model enters the zoo. Then a cheating solver (a strategy of verity-testkit's cheat library, found by
 * name through StrategyLibrary: the verity command has it on its classpath) undercuts everyone on a second
 * task, a verifier's replay mismatches, it challenges, the dispute runs round by round on chain to
 * the referee's ruling on one floating-point operation, and the cheater is slashed. Every role is
 * its own service with its own account, talking only through the chain and the blob store.
 * Ends with a computed summary line; returns non-zero if any check fails.
 */
public final class Demo {
    private Demo() {
    }

    static final String CHEAT = "skipped-steps";

    /** The demo's task: a small mlp on 2,000 Fashion-MNIST images, a few seconds of training. */
    public static TaskSpec spec(long seed) throws java.io.IOException {
        ModelConfig model = new ModelConfig.Mlp(new int[] {784, 64, 10});
        String dataset = "fashion-mnist:2000";
        int batch = 32;
        TaskSpec d = TaskSpec.defaults(model, dataset, TaskRun.datasetRootFor(dataset, model, batch), 60, seed, 10);
        return new TaskSpec(d.model(), d.dataset(), d.datasetRoot(), null, null, d.train().withBatch(batch), 10);
    }

    /** What to do with the network once the story is told, before it is closed (e.g. serve the explorer on it). */
    @FunctionalInterface
    public interface AfterStory {
        void accept(LocalNet net) throws Exception;
    }

    public static int run(PrintStream out, Path work, Solver.Progress progress) throws Exception {
        return run(out, work, progress, null);
    }

    /** The story; then {@code after} (if not null) with the network still running, whatever the checks found. */
    public static int run(PrintStream out, Path work, Solver.Progress progress, AfterStory after) throws Exception {
        try (LocalNet net = LocalNet.start(work, RULES)) {
            int rc = story(out, work, progress, net);
            if (after != null) {
                after.accept(net);
            }
            return rc;
        }
    }

    /**
     * The demo's rules: the defaults, but every seat a forced error (the default is one in fifty), so the jackpot scene
     * happens in every run; the prize formula keeps a task's expected payout at its own cut whatever the rate.
     */
    static final dev.verity.chain.TaskRules RULES = dev.verity.chain.TaskRules.defaults().withJackpot(4_000, 1_000_000);

    /** The demo's parties, each its own service with its own account; {@code who} names the accounts in the balance tables. */
    private record Cast(Submitter sub, List<Solver> solvers, Solver mallory, SolverStrategy cheat, List<Verifier> verifiers, Map<String, String> who) {
    }

    /** What the honest market's task came to: the task and the jackpots its forced errors paid. */
    private record HonestTask(Verity.TaskView task, List<Verity.JackpotPaid> jackpots) {
    }

    /** What the cheater's task came to: the task, its disputes won by their challengers, solvers slashed. */
    private record MalloryTask(Verity.TaskView task, int won, int slashed) {
    }

    private static int story(PrintStream out, Path work, Solver.Progress progress, LocalNet net) throws Exception {
        List<String> failures = new ArrayList<>();
        Verity v = net.verity;
        out.println("== Verity demo: one network in one JVM (embedded EVM, blob store in " + work + ")");
        out.println("contracts: token " + v.token + ", market " + v.market + ", game " + v.game + " (referee: BasicOpReferee)");
        Cast cast = cast(out, work, progress, net);
        Network n = fundAndJoin(out, net, cast);
        HonestTask one = honestTask(out, net, cast, n, failures);
        MalloryTask two = cheatersTask(out, net, cast, n, failures);
        n.remove(cast.mallory()); // caught and slashed, the cheater leaves the market
        long t3 = lazyScene(out, net, cast.sub(), cast.verifiers(), n, failures);
        boolean conserved = true;
        try {
            net.checkConservation();
        } catch (IllegalStateException e) {
            conserved = false;
            failures.add(e.getMessage());
        }
        out.println();
        balances(out, net, cast.who(), "balances after");
        int settled = (one.task().status() == Verity.Status.SETTLED ? 1 : 0) + (v.task(t3).status() == Verity.Status.SETTLED ? 1 : 0);
        int failed = (two.task().status() == Verity.Status.FAILED ? 1 : 0);
        out.println();
        if (!failures.isEmpty()) {
            for (String f : failures) {
                out.println("demo: FAILED: " + f);
            }
            return 1;
        }
        int won = two.won();
        int slashed = two.slashed();
        int jackpots = one.jackpots().size();
        out.printf("demo: %d tasks run to their final status (%d settled into the zoo, %d failed and refunded), %d dispute%s won by the challenger, "
                + "%d solver%s slashed, %d forced error%s caught (jackpot paid), 1 lazy attestation slashed, tokens %s%n", settled + failed, settled,
                failed, won, won == 1 ? "" : "s", slashed, slashed == 1 ? "" : "s", jackpots, jackpots == 1 ? "" : "s",
                conserved ? "conserved" : "NOT conserved");
        return 0;
    }

    /** The submitter alice, solvers bob, carol and dave, the cheater mallory, verifiers victor, wendy and trent (who audits all). */
    private static Cast cast(PrintStream out, Path work, Solver.Progress progress, LocalNet net) throws java.io.IOException {
        Verity v = net.verity;
        java.util.function.Consumer<String> log = out::println;
        BigInteger milli = BigInteger.TEN.pow(15);
        Submitter sub = new Submitter(new Submitter.Config("alice (submitter)", net.account(0), milli.multiply(BigInteger.TEN), milli,
                Verity.ether(500), 3, 600, 3600, 600, 600), v, net.store, work.resolve("alice"), log);
        List<Solver> solvers = new ArrayList<>();
        String[] names = {"bob", "carol", "dave"};
        long[] prices = {4, 3, 2};
        for (int i = 0; i < 3; i++) {
            solvers.add(new Solver(new Solver.Config("solver " + names[i], net.account(1 + i), milli.multiply(BigInteger.valueOf(prices[i])),
                    1_000_000, 2, Verity.ether(1_000)), v, net.store, work.resolve(names[i]), log).onProgress(progress));
        }
        SolverStrategy cheat = StrategyLibrary.named(CHEAT);
        Solver mallory = new Solver(new Solver.Config("solver mallory", net.account(4), milli, 1_000_000, 2, Verity.ether(1_000)), v, net.store,
                work.resolve("mallory"), log, cheat).onProgress(progress);
        List<Verifier> verifiers = new ArrayList<>();
        String[] vnames = {"victor", "wendy", "trent"};
        for (int i = 0; i < 3; i++) {
            verifiers.add(new Verifier(new Verifier.Config("verifier " + vnames[i], net.account(5 + i), Verity.ether(300), i == 2), v, net.store, log));
        }
        Map<String, String> who = new LinkedHashMap<>();
        who.put(sub.account(), "alice (submitter)");
        for (Solver s : solvers) {
            who.put(s.account(), s.name());
        }
        who.put(mallory.account(), mallory.name());
        for (Verifier x : verifiers) {
            who.put(x.account(), x.name() + (x == verifiers.get(2) ? " (audits all)" : ""));
        }
        who.put(net.treasury(), "treasury");
        who.forEach(Accounts::name);
        Accounts.name(sub.account(), "alice");
        return new Cast(sub, solvers, mallory, cheat, verifiers, who);
    }

    /** Funds every account; all but the cheater join; prints the balances before; returns the market (without the cheater). */
    private static Network fundAndJoin(PrintStream out, LocalNet net, Cast cast) {
        net.fund(cast.sub().account(), Verity.ether(10_000));
        for (Solver s : cast.solvers()) {
            net.fund(s.account(), Verity.ether(2_000));
        }
        net.fund(cast.mallory().account(), Verity.ether(2_000));
        for (Verifier x : cast.verifiers()) {
            net.fund(x.account(), Verity.ether(1_000));
        }
        List<Role> roles = new ArrayList<>();
        roles.add(cast.sub());
        roles.addAll(cast.solvers());
        roles.addAll(cast.verifiers());
        roles.forEach(Role::join);
        net.checkConservation();
        out.println();
        balances(out, net, cast.who(), "balances before");
        return new Network(net.verity, roles);
    }

    /** Task 1: the cheapest bidder trains, the verifiers attest, the model enters the zoo; every seat a forced error pays a jackpot. */
    private static HonestTask honestTask(PrintStream out, LocalNet net, Cast cast, Network n, List<String> failures) throws Exception {
        Verity v = net.verity;
        out.println();
        out.println("== task 1: an honest market");
        long t1 = cast.sub().post(spec(1));
        n.runUntilFinal(t1, 300);
        Verity.TaskView task1 = v.task(t1);
        if (task1.status() != Verity.Status.SETTLED) {
            failures.add("task 1 ended " + task1.status() + ", not SETTLED");
        }
        if (!task1.solver().equals(cast.solvers().get(2).account())) {
            failures.add("task 1 went to " + Accounts.short_(task1.solver()) + ", not the cheapest bidder");
        }
        if (!v.modelRegistered(task1.modelRoot())) {
            failures.add("task 1's model is not in the zoo");
        } else {
            byte[] z = v.view(v.registry, "get(bytes32)", Abi.b32(task1.modelRoot()));
            out.printf("zoo entry: model %s%n  task %d, spec %s, trace %s, parent %s, solver %s%n", Sha256.hex(task1.modelRoot()),
                    Abi.wordLong(z, 0), Sha256.hex(Abi.wordBytes(z, 1)).substring(0, 16) + "…", Sha256.hex(Abi.wordBytes(z, 2)).substring(0, 16) + "…",
                    isZero(Abi.wordBytes(z, 3)) ? "none (trained from scratch)" : Sha256.hex(Abi.wordBytes(z, 3)),
                    Accounts.short_(Abi.wordAddress(z, 4)));
        }
        List<Verity.JackpotPaid> jackpots = v.jackpotsPaid(t1);
        for (Verity.JackpotPaid j : jackpots) {
            out.printf("forced error: seat %d (%s) was drawn as one and it proved its replay at its probe: jackpot %s%n", j.index(),
                    Accounts.short_(j.verifier()), Accounts.tokens(j.amount()));
        }
        if (jackpots.isEmpty()) {
            failures.add("task 1 paid no jackpot although the demo's rules draw every seat as a forced error");
        }
        net.checkConservation();
        return new HonestTask(task1, jackpots);
    }

    /** Task 2: the cheater joins, undercuts everyone and cheats; every dispute must be won by its challenger, only the cheater slashed. */
    private static MalloryTask cheatersTask(PrintStream out, LocalNet net, Cast cast, Network n, List<String> failures) throws Exception {
        Verity v = net.verity;
        Solver mallory = cast.mallory();
        out.println();
        out.println("== task 2: " + mallory.name() + " joins, undercuts everyone and cheats (" + cast.cheat().description() + ")");
        mallory.join();
        n.add(mallory);
        Map<String, BigInteger> stakesBefore = new LinkedHashMap<>();
        for (Solver s : cast.solvers()) {
            stakesBefore.put(s.account(), v.staked(s.account()));
        }
        stakesBefore.put(mallory.account(), v.staked(mallory.account()));
        long t2 = cast.sub().post(spec(2));
        n.runUntilFinal(t2, 400);
        Verity.TaskView task2 = v.task(t2);
        checkCheatersTask(v, task2, mallory.account(), Accounts.short_(task2.solver()), failures);
        int[] disputes = disputes(out, cast.verifiers());
        int won = disputes[1];
        int slashed = 0;
        for (var e : stakesBefore.entrySet()) {
            if (v.staked(e.getKey()).compareTo(e.getValue()) < 0) {
                slashed++;
            }
        }
        if (disputes[0] < 1 || won != disputes[0]) {
            failures.add(disputes[0] + " disputes, " + won + " won by the challenger (expected at least 1, each won by its challenger: every verifier that finds the cheat plays its own game)");
        }
        if (slashed != 1 || v.staked(mallory.account()).compareTo(stakesBefore.get(mallory.account())) >= 0) {
            failures.add(slashed + " solvers slashed; the cheater's stake went from " + Accounts.tokens(stakesBefore.get(mallory.account()))
                    + " to " + Accounts.tokens(v.staked(mallory.account())));
        }
        return new MalloryTask(task2, won, slashed);
    }

    /** Prints each verifier's disputes with the challenger's transactions and their gas; returns {disputes, won by the challenger}. */
    private static int[] disputes(PrintStream out, List<Verifier> verifiers) {
        int won = 0;
        int disputes = 0;
        for (Verifier x : verifiers) {
            for (Challenger.Outcome o : x.challenger().outcomes()) {
                disputes++;
                if (o.challengerWon()) {
                    won++;
                }
                out.printf("dispute %d, the challenger's transactions (gas):", o.dispute());
                for (DisputeParty.Move mv : o.moves()) {
                    out.printf(" r%d %s %,d;", mv.round(), mv.name(), mv.gas());
                }
                out.println();
            }
        }
        return new int[] {disputes, won};
    }

    /**
     * Task 3: one of the verifiers the draw seats (the first that does not audit everything) attests without replaying;
     * the others' replays settle the task and its seat stake goes to the treasury. The verifiers sit out until the draw, so
     * the lazy one is chosen among those seated. Misses are added to {@code failures}.
     */
    private static long lazyScene(PrintStream out, LocalNet net, Submitter sub, List<Verifier> verifiers, Network n, List<String> failures)
            throws Exception {
        Verity v = net.verity;
        out.println();
        out.println("== task 3: one of the drawn verifiers turns lazy and attests without replaying");
        verifiers.forEach(n::remove);
        long t3 = sub.post(spec(3));
        n.runUntil(() -> v.task(t3).assigned(), 300);
        List<Verity.Assignment> drawn = v.assignments(t3);
        Verifier lazy = verifiers.stream().filter(x -> !x.auditsAll() && drawn.stream().anyMatch(a -> a.verifier().equalsIgnoreCase(x.account())))
                .findFirst().orElseThrow(() -> new IllegalStateException("the draw seated no verifier that audits only its seat"));
        lazy.lazy();
        out.println(lazy.name() + " is drawn (" + drawn.size() + " seats) and will attest without replaying");
        verifiers.forEach(n::add);
        BigInteger before = v.staked(lazy.account());
        n.runUntilFinal(t3, 300);
        Verity.TaskView task3 = v.task(t3);
        boolean slashedSeat = v.assignments(t3).stream().anyMatch(a -> a.verifier().equalsIgnoreCase(lazy.account()) && a.slashed());
        BigInteger lost = before.subtract(v.staked(lazy.account()));
        if (task3.status() != Verity.Status.SETTLED || !slashedSeat || lost.compareTo(task3.rules().seatStake()) != 0) {
            failures.add("task 3 ended " + task3.status() + " with " + drawn.size() + " seats; the lazy verifier lost " + Accounts.tokens(lost)
                    + " of stake (expected a settled task and its seat stake, " + Accounts.tokens(task3.rules().seatStake()) + ")");
        } else {
            out.println("lazy attestation: " + lazy.name() + "'s made-up replay root could not reveal its drawn chunk; the others' replays settled "
                    + "the task and its seat stake (" + Accounts.tokens(lost) + ") went to the treasury");
        }
        net.checkConservation();
        return t3;
    }

    /**
     * The cheater's task (task 2 of the demo and of localnet) ended as it must: won by the cheater ({@code solverName}
     * names the account that did win), FAILED, its model not in the zoo. Each miss is added to {@code failures}.
     */
    public static void checkCheatersTask(Verity v, Verity.TaskView task2, String cheater, String solverName, List<String> failures) {
        if (!task2.solver().equals(cheater)) {
            failures.add("task 2 went to " + solverName + ", not the cheater");
        }
        if (task2.status() != Verity.Status.FAILED) {
            failures.add("task 2 ended " + task2.status() + ", not FAILED");
        }
        if (v.modelRegistered(task2.modelRoot())) {
            failures.add("the cheater's model entered the zoo");
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void balances(PrintStream out, LocalNet net, Map<String, String> who, String title) {
        Verity v = net.verity;
        out.printf(Locale.ROOT, "%-28s %18s %14s %14s%n", title, "tokens", "staked", "locked");
        for (var e : who.entrySet()) {
            out.printf(Locale.ROOT, "%-28s %18s %14s %14s%n", e.getValue(), amount(v.balanceOf(e.getKey())), amount(v.staked(e.getKey())),
                    amount(v.locked(e.getKey())));
        }
        out.printf(Locale.ROOT, "%-28s %18s%n", "market escrow", amount(v.totalEscrowed()));
        out.printf(Locale.ROOT, "%-28s %18s%n", "dispute bonds", amount(v.totalBonds()));
        out.printf(Locale.ROOT, "%-28s %18s%n", "all stakes", amount(v.totalStaked().add(v.totalUnbonding())));
        out.printf(Locale.ROOT, "%-28s %18s%n", "treasury share (in staking)", amount(v.treasuryAccrued()));
        out.printf(Locale.ROOT, "%-28s %18s  (rest with the deployer)%n", "total supply", amount(v.totalSupply()));
    }

    private static String amount(BigInteger wei) {
        return new java.math.BigDecimal(wei).divide(java.math.BigDecimal.TEN.pow(18)).setScale(4, java.math.RoundingMode.HALF_EVEN).toPlainString();
    }
}

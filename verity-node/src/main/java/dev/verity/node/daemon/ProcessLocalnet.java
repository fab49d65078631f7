package dev.verity.node.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.chain.Abi;
import dev.verity.chain.ChainSelftest;
import dev.verity.chain.DevAccounts;
import dev.verity.chain.HardhatNode;
import dev.verity.chain.RpcChain;
import dev.verity.chain.GovernanceSettings;
import dev.verity.chain.Verity;
import dev.verity.node.ChainEvents;
import dev.verity.node.Demo;
import dev.verity.node.blob.BlobStores;
import dev.verity.node.explorer.Explorer;
import dev.verity.node.Network;
import dev.verity.node.daemon.NodeProcesses.Proc;
import dev.verity.proof.run.SolverStrategy;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.model.ModelConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

/**
 * {@code verity localnet}: the story of {@code verity demo}, but every party is its own OS process
 * on 127.0.0.1: a real Hardhat node (the chain), {@code verity blob serve} (the blob store), and one
 * {@code verity node} per role, each with its own key, config file and home directory. The driver
 * deploys the contracts, funds the accounts, starts the processes, and then only watches: the
 * nodes' status APIs, their JSON logs and the chain. The submitter posts an honest task and then a
 * task that a cheating solver wins; the cheater is challenged and slashed.
 *
 * <p>Time. Hardhat mines a block per transaction, stamped with the wall clock, and mines nothing in
 * between, so the chain's "now" stands still while nobody sends, and challenge windows measured in
 * minutes would take minutes. Like {@link Network} does in one JVM, the driver moves the chain's
 * clock ({@code evm_increaseTime} + {@code evm_mine}) to just past the next deadline, but only
 * when the whole network is waiting for time: every running node reports, in its status, a
 * finished tick that started at the chain's current head and did nothing. Windows are generous in
 * chain seconds (they cost no wall time) so a slow start never misses one.
 *
 * <p>With {@code faults}, the same run also: kills one verifier with SIGKILL before any task (it
 * stays drawn by the chain and never answers); kills the winning solver with SIGKILL a third of the
 * way through training and restarts it from its home directory (it must resume from its last
 * checkpoint and commit the trace root of an uninterrupted run, computed here in-process); and
 * stops the submitter with SIGTERM while its second task is open and restarts it (it must find its
 * task on the chain, not post it again, and reveal its seed from its home directory).
 *
 * <p>Every process started is killed by PID at the end, and by a shutdown hook on Ctrl-C. The processes themselves
 * (start with a config, PIDs, logs, status, stop) are {@link NodeProcesses}'s; this class is the story they play.
 */
public final class ProcessLocalnet {
    /**
     * @param work       directory for the deployment, configs, keys, homes, logs and blobs
     * @param launcher   the command that runs the {@code verity} CLI in a new JVM: java, its options, -cp, main class
     * @param quiet      no training progress lines
     * @param faults     kill and restart nodes along the way (see the class comment)
     * @param timeout    give up (and clean up) after this long
     */
    /**
     * @param deleteWork remove {@code work} once every process is stopped, also when the run is
     *                   interrupted (Ctrl-C runs the same cleanup from a shutdown hook)
     */
    /**
     * @param explorerPort after the story, keep the network running and serve the explorer on this port (0: any free
     *                     port) until the JVM is asked to stop; -1: stop the network after the story
     */
    /**
     * @param userSpec  a user's task (spec JSON) to run as the honest market's task instead of the demo's, with no cheater's
     *                  task after it; null for the demo story
     * @param userStore the local blob store holding what the user's spec names (its ONNX model, parent, dataset), copied
     *                  to the network's blob server before the task is posted
     */
    public record Options(Path work, List<String> launcher, boolean quiet, boolean faults, Duration timeout, boolean deleteWork, int explorerPort,
                          Path userSpec, Path userStore) {
        public Options(Path work, List<String> launcher, boolean quiet, boolean faults, Duration timeout, boolean deleteWork, int explorerPort) {
            this(work, launcher, quiet, faults, timeout, deleteWork, explorerPort, null, null);
        }

        public Options(Path work, List<String> launcher, boolean quiet, boolean faults, Duration timeout) {
            this(work, launcher, quiet, faults, timeout, false);
        }

        public Options(Path work, List<String> launcher, boolean quiet, boolean faults, Duration timeout, boolean deleteWork) {
            this(work, launcher, quiet, faults, timeout, deleteWork, -1);
        }

        public Options {
            if (work == null || launcher == null || launcher.isEmpty()) {
                throw new IllegalArgumentException("localnet needs a work directory and a launcher command");
            }
            launcher = List.copyOf(launcher);
            if (timeout == null) {
                timeout = Duration.ofMinutes(10);
            }
            if (explorerPort < -1 || explorerPort > 65535) {
                throw new IllegalArgumentException("localnet: the explorer's port must be in [0, 65535], got " + explorerPort);
            }
            if ((userSpec == null) != (userStore == null)) {
                throw new IllegalArgumentException("localnet: a task of your own needs both its spec and the store holding its blobs");
            }
            if (userSpec != null && faults) {
                throw new IllegalArgumentException("localnet: --faults runs the demo's own tasks; drop it with --task");
            }
        }

        boolean userTask() {
            return userSpec != null;
        }
    }

    /** What happened, for the caller and for tests (the chain is gone when {@link #run} returns). */
    public record Outcome(int exitCode, List<String> failures, List<Long> pids, List<Long> aliveAfter, int settled, int failed, int disputesWon,
                          int solversSlashed, boolean conserved, long tasksPosted, String committedTraceRoot, String referenceTraceRoot,
                          Long killedAtStep, Long resumedFromStep, int attestationsOfTask1, int assignmentsOfTask1, String finalLine) {
    }

    private static final BigInteger MILLI = BigInteger.TEN.pow(15);
    static final String CHEAT = "skipped-steps";

    private final Options o;
    private final PrintStream out;
    /** The processes of the network (not the Hardhat node, whose PID it only records). */
    private final NodeProcesses processes;
    private final List<String> failures = new ArrayList<>();
    private final long deadline;
    private HardhatNode hardhat;
    private Verity v;
    private Proc blobServer;
    private String blobUrl;
    private List<String> addr;
    private Path deployment;
    private TaskSpec spec1;

    private ProcessLocalnet(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
        this.deadline = System.nanoTime() + o.timeout().toNanos();
        this.processes = new NodeProcesses(o.launcher(), o.quiet(), this::say);
    }

    /** Runs the whole story; never leaves a process behind. */
    public static Outcome run(Options o, PrintStream out) throws Exception {
        ProcessLocalnet n = new ProcessLocalnet(o, out);
        Thread hook = new Thread(n::cleanup, "verity-localnet-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return n.story();
        } finally {
            n.cleanup();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs cleanup() itself
            }
        }
    }

    // ------------------------------------------------------------------------------------------ the story

    /** The network's parties: the submitter, the honest solvers (bob, carol, dave), the verifiers (victor, wendy, trent), the cheater. */
    private record Cast(Proc alice, List<Proc> solvers, List<Proc> verifiers, Proc mallory, Map<String, String> who) {
    }

    /** What the honest market's task came to: the task and its verifier assignments. */
    private record TaskOne(Verity.TaskView task, List<Verity.Assignment> assignments, int attested) {
    }

    /** What the faults run saw: the trace root of an uninterrupted run, the step the killed solver resumed from. */
    private record FaultsSeen(String reference, Long resumedFrom) {
        static final FaultsSeen NONE = new FaultsSeen(null, null);
    }

    private void driverLog(String line) {
        try {
            Files.writeString(o.work().resolve("driver.log"), java.time.Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the driver's own log is a convenience
        }
    }

    private void say(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    private Outcome story() throws Exception {
        Path work = Files.createDirectories(o.work().toAbsolutePath());
        long t0 = System.nanoTime();
        List<Credentials> keys = startChain(work);
        startBlobServer(work);
        List<String> taskFiles = writeSpecs(work);
        Cast cast = cast(work, keys, taskFiles);
        fund(cast);
        startSolversAndVerifiers(cast);
        conservation(addr, "before the tasks");
        say("");
        balances(cast.who(), "balances before");

        Long[] killedAt = new Long[1];
        TaskOne one = honestTask(cast, killedAt);
        boolean[] restarted = {false};
        MalloryTask cheaters = o.userTask() ? MalloryTask.NONE : cheatersTask(cast.solvers(), cast.mallory(), cast.alice(), cast.who(), restarted);
        long posted = v.taskCount();
        if (posted != taskFiles.size()) {
            failures.add(posted + " tasks posted, expected " + taskFiles.size() + " (a restarted submitter must not post again)");
        }
        boolean conserved = conservation(addr, "at the end");
        if (conserved) {
            say("conservation: account balances + market escrow + stakes + bonds = the token supply, and each contract holds what its books say");
        }
        say("");
        balances(cast.who(), "balances after");

        String committed = Sha256.hex(one.task().traceRoot());
        FaultsSeen seen = o.faults() ? checkFaults(work, cast, one, killedAt[0], restarted[0], posted, committed) : FaultsSeen.NONE;
        int settled = one.task().status() == Verity.Status.SETTLED ? 1 : 0;
        Verity.TaskView task2 = cheaters.task();
        int failedTasks = task2 != null && task2.status() == Verity.Status.FAILED ? 1 : 0;
        if (o.explorerPort() >= 0) {
            serveExplorer(work);
        }
        List<Long> alive = stopEverything();
        String last = verdict(t0, settled, failedTasks, cheaters, conserved);
        return new Outcome(failures.isEmpty() ? 0 : 1, List.copyOf(failures), List.copyOf(processes.pids()), alive, settled, failedTasks,
                cheaters.won(), cheaters.slashed(), conserved, posted, committed, seen.reference(), killedAt[0], seen.resumedFrom(), one.attested(),
                one.assignments().size(), last);
    }

    /** Starts the Hardhat node and deploys the contracts; returns the development keys (0 deploys, 1 is the treasury, the roles have 2..9). */
    private List<Credentials> startChain(Path work) throws Exception {
        hardhat = HardhatNode.start();
        processes.adopt(hardhat.pid());
        List<Credentials> keys = DevAccounts.credentials(10);
        addr = DevAccounts.addresses(10);
        RpcChain chain = new RpcChain(hardhat.url, List.of(keys.get(0)));
        Verity.Config d = Verity.Config.defaults();
        // a vote of 20 blocks and a 5-minute timelock, so `verity gov` runs its whole course on a local network
        v = Verity.deploy(chain, addr.get(0), addr.get(1), d.withRoundTimeout(3600).withGovernance(new GovernanceSettings(1, 20, Verity.ether(1_000), 4, 300)));
        deployment = work.resolve("deployment.json");
        v.deployment().write(deployment);
        say("== Verity localnet: every role its own process on 127.0.0.1 (work dir " + work + ")");
        say("chain: Hardhat node " + hardhat.url + " (pid " + hardhat.pid() + "), chain id " + chain.chainId() + "; contracts: market " + v.market
                + ", game " + v.game + " (referee: BasicOpReferee); deployment in " + deployment.getFileName());
        return keys;
    }

    private void startBlobServer(Path work) throws Exception {
        Path blobs = work.resolve("blobs");
        Path blobDir = Files.createDirectories(work.resolve("blob-server"));
        blobServer = processes.process("blob server", "blob server", List.of("blob", "serve", "--dir", blobs.toString(), "--port-file",
                blobDir.resolve("port").toString()), blobDir, blobDir.resolve("port"));
        processes.launch(blobServer);
        waitFor("the blob server's port file", () -> Files.exists(blobServer.portFile), blobServer);
        blobUrl = "http://127.0.0.1:" + blobServer.port();
        say("blob store: verity blob serve " + blobUrl + " (pid " + blobServer.pid() + ")");
    }

    /** Writes the tasks' spec files; returns those the submitter posts (the user's task alone, or the demo's two). */
    private List<String> writeSpecs(Path work) throws IOException {
        spec1 = o.userTask() ? userSpec() : o.faults() ? faultSpec(1) : Demo.spec(1);
        TaskSpec spec2 = Demo.spec(2);
        Path specs = Files.createDirectories(work.resolve("specs"));
        Files.write(specs.resolve("task-1.json"), spec1.canonicalBytes());
        Files.write(specs.resolve("task-2.json"), spec2.canonicalBytes());
        return o.userTask() ? List.of(specs.resolve("task-1.json").toString())
                : List.of(specs.resolve("task-1.json").toString(), specs.resolve("task-2.json").toString());
    }

    /** Names every account and writes each node's key, home and config (typed, through {@link NodeConfig}); starts none. */
    private Cast cast(Path work, List<Credentials> keys, List<String> taskFiles) throws IOException {
        String[] labels = {"treasury", "alice (submitter)", "solver bob", "solver carol", "solver dave", "verifier victor", "verifier wendy",
                "verifier trent (audits all)", "solver mallory"};
        for (int i = 0; i < labels.length; i++) {
            names.put(addr.get(1 + i), labels[i]);
        }
        // With faults, the dead verifier must be drawn for the timeout path to be exercised: 16 seats
        // mean 64 draws from a pool of 3, so every verifier is drawn (missing one: (2/3)^64, about 5e-12);
        // the unused seats' replay fees are refunded.
        Proc alice = node(work, keys.get(2), "alice", config("submitter", "alice (submitter)", null, null, new NodeConfig.SubmitterParams(
                "0.01", "0.001", "500", o.faults() ? 16 : 3, 600L, 3600L, 600L, 600L, taskFiles)));
        String[] sNames = {"bob", "carol", "dave"};
        String[] sPrices = {"0.004", "0.003", "0.002"};
        List<Proc> solvers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            solvers.add(node(work, keys.get(3 + i), sNames[i], config("solver", "solver " + sNames[i],
                    new NodeConfig.SolverParams(sPrices[i], 10_000_000L, 2, "1000", null), null, null)));
        }
        String[] vNames = {"victor", "wendy", "trent"};
        List<Proc> verifiers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            verifiers.add(node(work, keys.get(6 + i), vNames[i], config("verifier", "verifier " + vNames[i] + (i == 2 ? " (audits all)" : ""), null,
                    new NodeConfig.VerifierParams("300", i == 2), null)));
        }
        Proc mallory = node(work, keys.get(9), "mallory", config("solver", "solver mallory",
                new NodeConfig.SolverParams("0.001", 10_000_000L, 2, "1000", CHEAT), null, null));
        Map<String, String> who = new LinkedHashMap<>();
        List<Proc> roles = new ArrayList<>();
        roles.add(alice);
        roles.addAll(solvers);
        roles.addAll(verifiers);
        roles.add(mallory);
        for (Proc c : roles) {
            who.put(account(c), c.label);
        }
        who.put(v.treasury, "treasury");
        return new Cast(alice, solvers, verifiers, mallory, who);
    }

    private void fund(Cast cast) {
        v.transfer(v.deployer, account(cast.alice()), Verity.ether(10_000));
        for (Proc c : cast.solvers()) {
            v.transfer(v.deployer, account(c), Verity.ether(2_000));
        }
        v.transfer(v.deployer, account(cast.mallory()), Verity.ether(2_000));
        for (Proc c : cast.verifiers()) {
            v.transfer(v.deployer, account(c), Verity.ether(1_000));
        }
    }

    /** Starts the honest solvers and the verifiers and waits until each joined; with faults, then kills verifier wendy for good. */
    private void startSolversAndVerifiers(Cast cast) throws Exception {
        List<Proc> first = new ArrayList<>(cast.solvers());
        first.addAll(cast.verifiers());
        for (Proc c : first) {
            processes.launch(c);
        }
        waitFor("solvers and verifiers to join", () -> first.stream().allMatch(Proc::joined), first.toArray(Proc[]::new));
        say("started " + first.size() + " nodes: " + NodeProcesses.describe(first) + " (each joined: approved, staked, registered)");
        if (o.faults()) {
            Proc wendy = cast.verifiers().get(1);
            long pid = wendy.pid();
            wendy.expectedDown = true;
            wendy.kill();
            say("fault: verifier wendy goes down (SIGKILL, pid " + pid + "); it stays in the verifier pool, so the chain may draw it and it will never answer");
        }
    }

    /** Task 1: the submitter starts and posts; the cheapest solver wins and trains (with faults, killed and restarted on the way). */
    private TaskOne honestTask(Cast cast, Long[] killedAt) throws Exception {
        say("");
        say("== task 1: an honest market");
        processes.launch(cast.alice());
        drive(() -> v.taskCount() >= 1 && SubmitterNode.isFinal(v.task(1)), () -> {
            if (o.faults() && killedAt[0] == null) {
                killedAt[0] = maybeKillSolver(cast.solvers());
            }
        });
        Verity.TaskView task1 = v.task(1);
        if (task1.status() != Verity.Status.SETTLED) {
            failures.add("task 1 ended " + task1.status() + ", not SETTLED");
        }
        Map<String, String> who = cast.who();
        if (!task1.solver().equals(account(cast.solvers().get(2)))) {
            failures.add("task 1 went to " + who.getOrDefault(task1.solver(), task1.solver()) + ", not the cheapest bidder (solver dave)");
        }
        List<Verity.Assignment> as1 = v.assignments(1);
        int attested1 = (int) as1.stream().filter(Verity.Assignment::attested).count();
        if (!v.modelRegistered(task1.modelRoot())) {
            failures.add("task 1's model is not in the zoo");
        } else {
            byte[] z = v.view(v.registry, "get(bytes32)", Abi.b32(task1.modelRoot()));
            say(String.format(Locale.ROOT, "zoo entry: model %s%n  task %d, spec %s, trace %s, parent %s, trained by %s", Sha256.hex(task1.modelRoot()),
                    Abi.wordLong(z, 0), Sha256.hex(Abi.wordBytes(z, 1)).substring(0, 16) + "…", Sha256.hex(Abi.wordBytes(z, 2)).substring(0, 16) + "…",
                    Abi.word(z, 3).signum() == 0 ? "none (trained from scratch)" : Sha256.hex(Abi.wordBytes(z, 3)),
                    who.getOrDefault(Abi.wordAddress(z, 4).toLowerCase(Locale.ROOT), Abi.wordAddress(z, 4))));
        }
        conservation(addr, "after task 1");
        if (o.userTask() && v.modelRegistered(task1.modelRoot())) {
            say("your model: verity zoo get " + Sha256.hex(task1.modelRoot()) + " --rpc " + hardhat.url + " --deployment " + deployment
                    + " --store " + blobUrl + " --out model.safetensors --onnx model.onnx (while the network runs: --explorer)");
        }
        return new TaskOne(task1, as1, attested1);
    }

    /** With faults: checks the killed solver resumed to the uninterrupted run's trace root, the dead verifier's silence, the restarted submitter. */
    private FaultsSeen checkFaults(Path work, Cast cast, TaskOne one, Long killedAt, boolean restarted, long posted, String committed)
            throws Exception {
        say("");
        say("== faults, checked");
        // the trace root of an uninterrupted honest run of the same spec, trained here in-process
        String reference = ProvenTraining.train(TaskRun.open(spec1), new LocalBlobStore(work.resolve("reference-run")), ProvenTraining.HONEST, null)
                .manifest().traceRoot();
        Proc dave = cast.solvers().get(2);
        Long resumedFrom = resumedFrom(dave, 1);
        if (killedAt == null) {
            failures.add("the winning solver was never caught training, so it was not killed");
        } else if (resumedFrom == null) {
            failures.add("the restarted solver did not resume task 1 from a checkpoint");
        }
        if (!reference.equals(committed)) {
            failures.add("task 1's committed trace root " + committed + " is not the uninterrupted run's " + reference);
        }
        say(String.format(Locale.ROOT, "solver dave: killed at step %s of %d, resumed from its checkpoint at step %s, committed trace root %s…, "
                        + "an uninterrupted run's is %s… (%s)", killedAt, spec1.train().steps(), resumedFrom, committed.substring(0, 16),
                reference.substring(0, 16), reference.equals(committed) ? "same" : "DIFFERENT"));
        Proc wendy = cast.verifiers().get(1);
        List<Verity.Assignment> as1 = one.assignments();
        boolean wendyDrawn = as1.stream().anyMatch(a -> a.verifier().equals(account(wendy)));
        say("verifier wendy (down): " + (wendyDrawn ? "drawn for task 1 and silent; " : "not drawn for task 1; ") + "task 1 settled with "
                + one.attested() + " of " + as1.size() + " attestations after its verification window");
        if (wendyDrawn && one.attested() >= as1.size()) {
            failures.add("wendy was down yet every assignment of task 1 is attested");
        }
        Proc alice = cast.alice();
        if (!restarted) {
            failures.add("the submitter was never restarted");
        } else if (alice.events.stream().noneMatch(e -> e.path("event").asText().equals("stopped"))) {
            failures.add("the submitter did not stop cleanly on SIGTERM (no 'stopped' in its log)");
        } else if (!alice.saw("seed-revealed", 2)) {
            failures.add("the restarted submitter did not reveal task 2's seed");
        }
        say("submitter alice: stopped cleanly on SIGTERM and restarted with task 2 open; " + posted + " tasks posted in all, task 2's seed revealed by the restarted process: "
                + alice.saw("seed-revealed", 2));
        return new FaultsSeen(reference, resumedFrom);
    }

    /** Stops every process and the chain; returns the PIDs still alive after (a failure if any). */
    private List<Long> stopEverything() throws InterruptedException {
        stopAll();
        List<Long> alive = processes.stillAlive();
        if (!alive.isEmpty()) {
            failures.add("processes still alive after the stop: " + alive);
        }
        List<Long> pids = processes.pids();
        say("");
        say("stopped " + pids.size() + " processes (pids " + pids + "): none left running: " + alive.isEmpty());
        return alive;
    }

    /** Says the failures, or the run's summary; returns the last line said. */
    private String verdict(long t0, int settled, int failedTasks, MalloryTask cheaters, boolean conserved) {
        int won = cheaters.won();
        int slashed = cheaters.slashed();
        String last;
        if (failures.isEmpty()) {
            last = String.format(Locale.ROOT, "localnet: %d tasks run to their final status (%d settled into the zoo, %d failed and refunded), "
                            + "%d dispute%s won by the challenger, %d solver%s slashed, tokens %s, %d processes, %.0f s", settled + failedTasks, settled,
                    failedTasks, won, won == 1 ? "" : "s", slashed, slashed == 1 ? "" : "s", conserved ? "conserved" : "NOT conserved",
                    processes.pids().size(), (System.nanoTime() - t0) / 1e9);
        } else {
            for (String f : failures) {
                say("localnet: FAILED: " + f);
            }
            last = "localnet: FAILED (" + failures.size() + " checks)";
        }
        say(last);
        return last;
    }

    /** What the cheater's task (the demo's task 2) came to: the task, its disputes won by their challengers, solvers slashed. */
    private record MalloryTask(Verity.TaskView task, int disputes, int won, int slashed) {
        static final MalloryTask NONE = new MalloryTask(null, 0, 0, 0);
    }

    /**
     * Task 2: solver mallory joins, undercuts everyone and cheats; with faults, the submitter is restarted while the task
     * is open ({@code restarted[0]} says whether it was). Checks that every dispute is won by its challenger and only the
     * cheater is slashed.
     */
    private MalloryTask cheatersTask(List<Proc> solvers, Proc mallory, Proc alice, Map<String, String> who, boolean[] restarted)
            throws Exception {
        say("");
        SolverStrategy cheat = NodeConfig.strategyNamed(CHEAT);
        say("== task 2: solver mallory joins, undercuts everyone and cheats (" + cheat.description() + ")");
        Map<String, BigInteger> stakesBefore = new LinkedHashMap<>();
        for (Proc c : solvers) {
            stakesBefore.put(account(c), v.staked(account(c)));
        }
        processes.launch(mallory);
        stakesBefore.put(account(mallory), Verity.ether(1_000)); // what it stakes when it joins
        drive(() -> v.taskCount() >= 2 && SubmitterNode.isFinal(v.task(2)) && v.openDisputes(2) == 0, () -> {
            if (o.faults() && !restarted[0] && v.taskCount() >= 2 && v.task(2).status() == Verity.Status.BIDDING) {
                restarted[0] = true;
                long pid = alice.pid();
                alice.stop();
                say("fault: submitter alice stopped (SIGTERM, pid " + pid + ") with task 2 open; restarting it from its config and home directory");
                alice.start();
            }
        });
        Verity.TaskView task2 = v.task(2);
        Demo.checkCheatersTask(v, task2, account(mallory), who.getOrDefault(task2.solver(), task2.solver()), failures);
        int disputes = 0;
        int won = 0;
        int slashed = 0;
        for (ChainEvents.Event e : allDisputes()) {
            disputes++;
            Verity.DisputeView dv = v.dispute(e.topicLong(1));
            if (dv.nextRound() == 0 && dv.challengerWon()) {
                won++;
            }
        }
        for (var e : stakesBefore.entrySet()) {
            if (v.staked(e.getKey()).compareTo(e.getValue()) < 0) {
                slashed++;
            }
        }
        if (disputes < 1 || won != disputes) {
            failures.add(disputes + " disputes, " + won + " won by the challenger (expected at least 1, each won by its challenger: every verifier that finds the cheat plays its own game)");
        }
        if (slashed != 1 || v.staked(account(mallory)).compareTo(Verity.ether(1_000)) >= 0) {
            failures.add(slashed + " solvers slashed; the cheater's stake is " + NodeDaemon.vty(v.staked(account(mallory))) + " VRT");
        }
        return new MalloryTask(task2, disputes, won, slashed);
    }

    /** The user's spec, with everything it names copied from the user's store to the network's blob server (each blob checked). */
    private TaskSpec userSpec() throws IOException {
        LocalBlobStore from = new LocalBlobStore(o.userStore());
        TaskSpec spec;
        try {
            spec = TaskSpec.parse(Files.readString(o.userSpec(), StandardCharsets.UTF_8), from);
            TaskRun.open(spec, from); // the data, its root and the model, before any process starts
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(o.userSpec() + ": " + e.getMessage(), e);
        }
        BlobStore to = BlobStores.open(blobUrl);
        try (var files = Files.walk(o.userStore())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String key = f.getFileName().toString();
                if (key.matches("[0-9a-f]{64}")) {
                    to.put(from.get(key));
                }
            }
        } finally {
            BlobStores.close(to);
        }
        return spec;
    }

    /** The checkpoint interval of the faults run's honest task. */
    public static final int FAULT_TASK_CHECKPOINT_INTERVAL = 30;

    /** The faults run's honest task: long enough (a wider mlp, 240 steps) that the solver can be caught half-way. */
    static TaskSpec faultSpec(long seed) throws IOException {
        ModelConfig model = new ModelConfig.Mlp(new int[] {784, 128, 128, 10});
        String dataset = "fashion-mnist:2000";
        int batch = 64;
        TaskSpec d = TaskSpec.defaults(model, dataset, TaskRun.datasetRootFor(dataset, model, batch), 240, seed, FAULT_TASK_CHECKPOINT_INTERVAL);
        return new TaskSpec(d.model(), d.dataset(), d.datasetRoot(), null, null, d.train().withBatch(batch), FAULT_TASK_CHECKPOINT_INTERVAL);
    }

    private List<ChainEvents.Event> allDisputes() {
        String t0 = ChainEvents.topic("DisputeOpened");
        List<ChainEvents.Event> out = new ArrayList<>();
        for (var l : v.chain.logs(v.game, t0, v.deployBlock, v.chain.blockNumber())) {
            out.add(new ChainEvents.Event(l.address(), "DisputeOpened", l.topics(), l.data(), l.blockNumber(), l.txHash()));
        }
        return out;
    }

    /**
     * Kills the solver training task 1 once it is a third of the way (past its first checkpoint), and restarts it; returns the
     * step its status last showed before the kill (it may train on until the signal lands), or null if not yet.
     */
    private Long maybeKillSolver(List<Proc> solvers) throws Exception {
        if (v.taskCount() < 1 || v.task(1).status() != Verity.Status.ASSIGNED) {
            return null;
        }
        String winner = v.task(1).solver();
        for (Proc c : solvers) {
            if (!account(c).equals(winner)) {
                continue;
            }
            // Once it trains, follow it closely (a warm JVM trains the rest of the run in a second or two).
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < until) {
                JsonNode st = c.status();
                if (st == null) {
                    return null;
                }
                JsonNode training = null;
                for (JsonNode t : st.path("tasks")) {
                    if (t.path("id").asLong() == 1 && t.path("steps").asLong(0) > 0) {
                        training = t;
                    }
                }
                if (training == null) {
                    return null; // not training (yet, or any more)
                }
                long step = training.path("step").asLong();
                long steps = training.path("steps").asLong();
                if (step * 3 >= steps && step < steps) {
                    long pid = c.pid();
                    c.kill();
                    say("fault: " + c.label + " killed (SIGKILL, pid " + pid + ") while training task 1 at step " + step + " of " + steps
                            + "; restarting it from its config and home directory");
                    c.start();
                    return step;
                }
                Thread.sleep(10);
            }
        }
        return null;
    }

    private Long resumedFrom(Proc c, long taskId) {
        for (JsonNode e : c.events) {
            if (e.path("event").asText().equals("training-resumed") && e.path("taskId").asLong(-1) == taskId) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("at step (\\d+)").matcher(e.path("message").asText());
                if (m.find()) {
                    return Long.valueOf(m.group(1));
                }
            }
        }
        return null;
    }

    @FunctionalInterface
    private interface Check {
        void run() throws Exception;
    }

    /**
     * Watches until {@code done}: runs {@code each} every round, fails if a node that should run has
     * died, and moves the chain's clock to just past the next deadline when every running node is
     * idle at the chain's head (see the class comment).
     */
    private void drive(BooleanSupplier done, Check each) throws Exception {
        long idleNoDeadlineSince = -1;
        while (!done.getAsBoolean()) {
            checkTime("the network to finish its task");
            each.run();
            processes.checkNoneDied();
            long head = v.chain.blockNumber();
            // Statuses are read one after another: a block mined meanwhile (a node acting) would let a
            // node read before it look idle at a head it has not seen, so the head must not move.
            if (allIdleAt(head) && v.chain.blockNumber() == head) {
                long next = new Network(v, List.of()).nextDeadline();
                if (next >= 0) {
                    long now = v.chain.timestamp();
                    v.chain.advanceTime(Math.max(1, next - now + 1));
                    driverLog("every node idle at block " + head + ": the chain's clock moves " + (next - now + 1) + " s to just past the deadline "
                            + next);
                    idleNoDeadlineSince = -1;
                } else if (idleNoDeadlineSince < 0) {
                    idleNoDeadlineSince = System.nanoTime();
                } else if (System.nanoTime() - idleNoDeadlineSince > TimeUnit.SECONDS.toNanos(60)) {
                    throw new IllegalStateException("every node is idle, no deadline is ahead, and the goal is not reached");
                }
            }
            Thread.sleep(100);
        }
    }

    private boolean allIdleAt(long head) {
        for (Proc c : processes.supervised()) {
            if (c == blobServer || c.expectedDown) {
                continue;
            }
            JsonNode st = c.status();
            if (st == null || !st.path("joined").asBoolean() || st.path("idleAtBlock").isNull() || !st.has("idleAtBlock")
                    || st.path("idleAtBlock").asLong() < head) {
                return false;
            }
        }
        return true;
    }

    private void waitFor(String what, BooleanSupplier ok, Proc... watched) throws Exception {
        while (!ok.getAsBoolean()) {
            checkTime(what);
            NodeProcesses.checkAlive(what, watched);
            Thread.sleep(100);
        }
    }

    private void checkTime(String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("gave up after " + o.timeout().toSeconds() + " s waiting for " + what);
        }
    }

    /** Every account's name, for the nodes' log sentences (filled before any config is written). */
    private final Map<String, String> names = new LinkedHashMap<>();

    /** A config as the driver writes it for a node of the network: its sections typed, the rest the same for every node. */
    private NodeConfig config(String role, String label, NodeConfig.SolverParams solver, NodeConfig.VerifierParams verifier,
                              NodeConfig.SubmitterParams submitter) {
        return new NodeConfig(role, label, hardhat.url, "../deployment.json", null, "node.key", blobUrl, "home", null, 0, "status.port", 250,
                solver, verifier, submitter, null, names);
    }

    /** Writes a node's key file (0600), home and config; returns the (not yet started) process. */
    private Proc node(Path work, Credentials key, String name, NodeConfig config) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        Path keyFile = dir.resolve("node.key");
        Files.writeString(keyFile, Numeric.toHexStringNoPrefixZeroPadded(key.getEcKeyPair().getPrivateKey(), 64) + "\n");
        try {
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // not a POSIX file system: the key is as private as the work directory
        }
        Path file = dir.resolve("node.json");
        config.write(file);
        NodeConfig.read(file); // the driver writes what a user would: it must pass the same validation
        return processes.node(name, dir, config, key.getAddress().toLowerCase(Locale.ROOT));
    }

    private static String account(Proc c) {
        return c.account;
    }

    // ------------------------------------------------------------------------------------------ books

    /**
     * Token conservation over JSON-RPC: every token of the supply is in exactly one place (an
     * account, the market's escrow, stakes, bonds) and each contract holds what its books say.
     */
    private boolean conservation(List<String> accounts, String when) {
        try {
            checkConservation(v, accounts);
            return true;
        } catch (IllegalStateException e) {
            failures.add(e.getMessage() + " (" + when + ")");
            return false;
        }
    }

    /**
     * Reads the books at one chain state: Hardhat changes state only by mining a block, so reads
     * bracketed by the same block number saw one state (nodes keep sending while the driver reads).
     */
    static void checkConservation(Verity v, List<String> accounts) {
        for (int attempt = 0; ; attempt++) {
            long before = v.chain.blockNumber();
            IllegalStateException broken = null;
            try {
                ChainSelftest.checkConservation(v, accounts);
            } catch (IllegalStateException e) {
                broken = e;
            }
            if (v.chain.blockNumber() == before || attempt >= 50) {
                if (broken != null) {
                    throw broken;
                }
                return;
            }
        }
    }

    private void balances(Map<String, String> who, String title) {
        say(String.format(Locale.ROOT, "%-28s %18s %14s %14s", title, "tokens", "staked", "locked"));
        for (var e : who.entrySet()) {
            say(String.format(Locale.ROOT, "%-28s %18s %14s %14s", e.getValue(), amount(v.balanceOf(e.getKey())), amount(v.staked(e.getKey())),
                    amount(v.locked(e.getKey()))));
        }
        say(String.format(Locale.ROOT, "%-28s %18s", "market escrow", amount(v.totalEscrowed())));
        say(String.format(Locale.ROOT, "%-28s %18s", "dispute bonds", amount(v.totalBonds())));
        say(String.format(Locale.ROOT, "%-28s %18s", "all stakes", amount(v.totalStaked().add(v.totalUnbonding()))));
        say(String.format(Locale.ROOT, "%-28s %18s", "treasury share (in staking)", amount(v.treasuryAccrued())));
        say(String.format(Locale.ROOT, "%-28s %18s  (rest with the deployer)", "total supply", amount(v.totalSupply())));
    }

    private static String amount(BigInteger wei) {
        return new BigDecimal(wei).divide(BigDecimal.TEN.pow(18)).setScale(4, RoundingMode.HALF_EVEN).toPlainString();
    }

    // ------------------------------------------------------------------------------------------ explorer

    private volatile Explorer explorer;

    /**
     * Serves the explorer on the running network (the Hardhat node, the blob server) and blocks: Ctrl-C or
     * SIGTERM runs {@link #cleanup()} from the shutdown hook, which closes the explorer and stops every process.
     */
    private void serveExplorer(Path work) throws Exception {
        checkTime("the story");
        explorer = Explorer.start(v, BlobStores.open(blobUrl), Explorer.Settings.local(o.explorerPort(), work.resolve("explorer.db")));
        say("");
        say("explorer: " + explorer.url() + " (the network keeps running: chain " + hardhat.url + ", blob store " + blobUrl
                + ", deployment " + work.resolve("deployment.json") + "; Ctrl-C or SIGTERM stops everything)");
        new java.util.concurrent.CountDownLatch(1).await();
    }

    // ------------------------------------------------------------------------------------------ cleanup

    private void stopAll() throws InterruptedException {
        processes.stopAll(); // roles first, the blob server last
        if (hardhat != null) {
            hardhat.close();
        }
    }

    /** Kills, by PID, every process this run started that is still alive. Idempotent; also the Ctrl-C hook. */
    private synchronized void cleanup() {
        if (explorer != null) {
            explorer.close();
        }
        processes.killAll();
        if (hardhat != null) {
            hardhat.close();
        }
        if (v != null) {
            v.chain.close();
        }
        if (o.deleteWork()) {
            try {
                deleteTree(o.work());
            } catch (IOException | UncheckedIOException e) {
                out.println("localnet: could not remove " + o.work() + ": " + e.getMessage());
            }
        }
    }

    /** Removes {@code dir} and everything under it (nothing if it does not exist). */
    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            org.apache.commons.io.file.PathUtils.deleteDirectory(dir);
        }
    }
}

package dev.verity.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.verity.chain.Chain;
import dev.verity.chain.Verity;
import dev.verity.node.Accounts;
import dev.verity.node.ChainEvents;
import dev.verity.node.Submitter;
import dev.verity.node.TaskQuote;
import dev.verity.merkle.Sha256;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.BlobStore;
import dev.verity.node.blob.BlobStores;
import dev.verity.proof.store.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verity task ...}: post a training task, read a task's state. */
@Command(name = "task", mixinStandardHelpOptions = true, description = "Post training tasks and read their state on chain.",
        subcommands = {TaskCommand.Compose.class, TaskCommand.Post.class, TaskCommand.Status.class, TaskCommand.Quote.class})
public final class TaskCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A token amount in VRT (18 decimals), e.g. "0.01" or "500". */
    static final class Amount implements CommandLine.ITypeConverter<BigInteger> {
        @Override
        public BigInteger convert(String value) {
            return parseTokens(value);
        }
    }

    static BigInteger parseTokens(String value) {
        BigDecimal d;
        try {
            d = new BigDecimal(value.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not an amount of VRT (e.g. 0.01 or 500)");
        }
        if (d.signum() < 0) {
            throw new CommandLine.TypeConversionException("'" + value + "' is negative");
        }
        BigDecimal wei = d.movePointRight(18);
        if (wei.stripTrailingZeros().scale() > 0) {
            throw new CommandLine.TypeConversionException("'" + value + "' has more than 18 decimals");
        }
        return wei.toBigIntegerExact();
    }

    /** Reads and validates a task spec file: the format {@code verity train --prove} writes and solvers read. */
    static TaskSpec readSpec(Path file, BlobStore store) throws IOException {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such spec file: " + file);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": a task spec is UTF-8 JSON; this file is not UTF-8 text");
        }
        try {
            return store == null ? TaskSpec.parse(json) : TaskSpec.parse(json, store);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** What a task pays: the most per work unit and the verifier seats (shared by post and quote). */
    static final class Pricing {
        @Option(names = "--max-price", paramLabel = "P", defaultValue = "0.01", converter = Amount.class,
                description = "most paid per work unit, in VRT (default ${DEFAULT-VALUE})")
        BigInteger maxPrice;

        @Option(names = "--verifiers", defaultValue = "3", description = "verifier seats drawn to replay segments, 1 to 16 (default ${DEFAULT-VALUE})")
        int verifiers;
    }

    @Command(name = "spec", mixinStandardHelpOptions = true,
            description = {"Write the spec of a task on your own ONNX model and data: publishes both to the blob store (as `verity "
                    + "model put` and `verity data put` do) and writes the spec, with the dataset root after --normalize and "
                    + "--test-fraction, ready for `verity task quote` and `verity task post`."})
    static final class Compose implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "FILE.onnx", description = "the ONNX model")
        Path model;

        @Option(names = "--data", required = true, paramLabel = "FILE", description = "the dataset file or folder (docs/data.md)")
        Path data;

        @Option(names = "--store", required = true, paramLabel = "URI", description = BlobCommand.STORE_HELP)
        String store;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the spec (JSON)")
        Path out;

        @Mixin
        DataCommand.Prep prep;

        @Option(names = "--classes", paramLabel = "N", defaultValue = "0", description = "classes (default: the largest label plus one)")
        int classes;

        @Option(names = "--steps", defaultValue = "200", description = "training steps (default ${DEFAULT-VALUE})")
        int steps;

        @Option(names = "--batch", description = "batch size (default: the batch the model was exported with)")
        Integer batch;

        @Option(names = "--seed", defaultValue = "1", description = "seed of the data order and dropout (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--lr", description = "peak learning rate (default 0.05, SGD with momentum 0.9, cosine schedule)")
        Float lr;

        @Option(names = "--checkpoint-interval", description = "steps between checkpoints (default: a tenth of the steps)")
        Integer checkpointInterval;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            if (steps < 1 || steps > TaskSpec.MAX_STEPS) {
                throw new IllegalArgumentException("--steps must be in [1, " + TaskSpec.MAX_STEPS + "]");
            }
            int c = checkpointInterval != null ? checkpointInterval : Math.max(1, steps / 10);
            BlobStore s = BlobStores.open(store);
            try {
                DataCommand.Imported imported = DataCommand.publishImported(s, model, data, classes, prep);
                var m = imported.model();
                DataCommand.Entry e = imported.data();
                dev.verity.tensor.train.TrainConfig cfg = dev.verity.tensor.train.TrainConfig.defaults("onnx", steps, seed);
                int[] dims = m.model().graph().input().dims();
                int b = batch != null ? batch : dims.length > 0 && dims[0] > 0 ? dims[0] : cfg.batch();
                var sc = cfg.schedule();
                float peak = lr != null ? lr : sc.lr();
                cfg = new dev.verity.tensor.train.TrainConfig(b, steps, seed, cfg.optimizer(),
                        dev.verity.tensor.train.TrainConfig.Schedule.cosine(peak, sc.warmup(), steps, Math.min(sc.minLr(), peak)),
                        cfg.clipNorm());
                TaskSpec spec = imported.spec(cfg, c);
                TaskRun run = TaskRun.open(spec, s); // the model against the data, and the size limits, before anyone pays
                AtomicFiles.write(out, (spec.canonicalJson() + "\n").getBytes(StandardCharsets.UTF_8));
                PrintWriter w = cmd.commandLine().getOut();
                w.println("model: " + m.model().describe() + " (blob " + m.modelBlob() + ")");
                w.println(DataCommand.describe(e) + " (key " + e.published().key() + ")");
                w.printf(Locale.ROOT, "task %s: %d steps, batch %d, checkpoint every %d; %,d work units%n", spec.hashHex().substring(0, 16),
                        steps, b, c, run.workUnits());
                w.println("wrote " + out);
                w.flush();
            } finally {
                BlobStores.close(s);
            }
            return 0;
        }
    }

    @Command(name = "quote", mixinStandardHelpOptions = true,
            description = {"What a task costs and how well it is checked, from its spec alone (docs/incentives.md): work units, "
                    + "segments, the market's floors for the replay fee and the solver stake, the verification overhead, and for each "
                    + "fraction of the work a cheater could skip the chance a verifier replays it and the cheater's expected gain."})
    static final class Quote implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SPEC", description = "task spec JSON (as `verity train --prove` writes it)")
        Path specFile;

        @Mixin
        Pricing pricing;

        @Option(names = "--store", paramLabel = "URI", description = "the blob store holding the ONNX model or published dataset "
                + "the spec names (" + BlobStores.FORMS + ")")
        String store;

        @Option(names = "--fee-bps", defaultValue = "250", description = "the market's fee in basis points (default ${DEFAULT-VALUE}; "
                + "the other rules are the defaults: `verity gov params` shows a network's)")
        int feeBps;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            BlobStore blobs = store == null ? null : BlobStores.open(store);
            TaskSpec spec;
            TaskRun run;
            try {
                spec = readSpec(specFile, blobs);
                run = TaskRun.open(spec, blobs);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(specFile + ": " + e.getMessage(), e);
            } finally {
                BlobStores.close(blobs);
            }
            TaskQuote q = TaskQuote.of(run, pricing.maxPrice, pricing.verifiers, dev.verity.chain.TaskRules.defaults().withFeeBps(feeBps));
            PrintWriter out = cmd.commandLine().getOut();
            out.println("task quote: " + specFile + " (" + spec.model().describe() + ", " + spec.train().steps() + " steps, checkpoint every "
                    + spec.checkpointInterval() + ")");
            q.print(out, q.replayFeeFloor(), q.stakeFloor());
            out.flush();
            return 0;
        }
    }

    @Command(name = "post", mixinStandardHelpOptions = true,
            description = {"Post a training task: store its spec in the blob store, escrow its price on chain, commit to a secret seed.",
                    "The secret is kept under --home (by its commitment) so a submitter node with the same home reveals it after the solver commits.",
                    "Prints the task id."})
    static final class Post implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SPEC", description = "the task spec (JSON; the spec.json 'verity train --prove' writes)")
        Path specFile;

        @Mixin
        NetworkOptions net;

        @Mixin
        Pricing pricing;

        @Option(names = "--replay-fee", paramLabel = "F", defaultValue = "0", converter = Amount.class,
                description = "paid to each verifier per proven replay, in VRT; raised to the market's floor (one segment's work at "
                        + "the maximum price: `task quote`) if lower (default: the floor)")
        BigInteger replayFee;

        @Option(names = "--solver-stake", paramLabel = "S", defaultValue = "0", converter = Amount.class,
                description = "stake the solver locks for this task, slashed if it cheats, in VRT; raised to the market's floor (the "
                        + "most it can be paid) if lower (default: the floor)")
        BigInteger solverStake;

        @Option(names = "--bid-window", defaultValue = "600", description = "seconds solvers may bid (default ${DEFAULT-VALUE})")
        long bidWindow;

        @Option(names = "--commit-window", defaultValue = "86400", description = "seconds the solver has to train and commit (default ${DEFAULT-VALUE})")
        long commitWindow;

        @Option(names = "--reveal-window", defaultValue = "3600", description = "seconds to reveal the seed after the commit (default ${DEFAULT-VALUE})")
        long revealWindow;

        @Option(names = "--verify-window", defaultValue = "3600", description = "seconds verifiers have to replay or challenge (default ${DEFAULT-VALUE})")
        long verifyWindow;

        @Option(names = "--home", paramLabel = "DIR", defaultValue = "${sys:user.home}/.verity/submitter",
                description = "the submitter's local store, where the seed secret is kept (default ${DEFAULT-VALUE})")
        Path home;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = cmd.commandLine().getOut();
            PrintWriter err = cmd.commandLine().getErr();
            BigInteger maxPrice = pricing.maxPrice;
            int verifiers = pricing.verifiers;
            if (maxPrice.signum() <= 0) {
                throw new IllegalArgumentException("--max-price must be positive");
            }
            BlobStore store = net.openStore();
            TaskSpec spec;
            TaskRun run;
            try {
                spec = readSpec(specFile, store);
                run = TaskRun.open(spec, store); // the data, its root, the model and the size limits; errors name the field
            } catch (IllegalArgumentException e) {
                BlobStores.close(store);
                throw new IllegalArgumentException(specFile + ": " + e.getMessage(), e);
            }
            try (NetworkOptions.Connection c = net.connect()) {
                if (spec.parentRoot() != null && !store.has(spec.parentBlob())) {
                    throw new IllegalArgumentException(specFile + ": the parent model blob " + spec.parentBlob() + " is not in the store " + net.store
                            + "; a solver could not start from it");
                }
                String account = c.sender("task post");
                Verity v = c.verity();
                Submitter.Config cfg = new Submitter.Config("submitter", account, maxPrice, replayFee, solverStake, verifiers, bidWindow,
                        commitWindow, revealWindow, verifyWindow);
                // The escrow the market will take, checked first so an unfunded key gets a plain answer, not a revert.
                // (the submitter raises a replay fee or stake below the market's floors to them)
                TaskQuote quote = TaskQuote.of(run, maxPrice, verifiers, v.rules());
                BigInteger escrow = quote.escrow(quote.atLeastReplayFloor(replayFee));
                BigInteger balance = v.balanceOf(account);
                if (balance.compareTo(escrow) < 0) {
                    throw new IllegalArgumentException("account " + account + " holds " + Accounts.tokens(balance) + "; this task escrows "
                            + Accounts.tokens(escrow) + " (" + run.workUnits() + " work units at most " + Accounts.tokens(maxPrice)
                            + " each, the fee, and " + verifiers + " replay fees). Wrong key, or fund the account first");
                }
                Submitter sub = new Submitter(cfg, v, store, home, err::println);
                try {
                    sub.join();
                    long id = sub.post(spec);
                    out.println(id);
                } catch (Chain.RevertException e) {
                    throw new IllegalStateException("posting the task from " + account + " failed: " + e.getMessage(), e);
                }
            } finally {
                BlobStores.close(store);
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "A task's state on chain: status, parties, price, escrow, deadlines, verifier assignments, disputes and committed roots.")
    static final class Status implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "the task id ('verity task post' prints it)")
        String id;

        @Mixin
        NetworkOptions net;

        @Option(names = "--json", description = "print JSON (amounts in wei, as strings) instead of a table")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            long taskId;
            try {
                taskId = Long.parseLong(id.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a task id is a positive whole number, got '" + id + "'");
            }
            if (taskId < 1) {
                throw new IllegalArgumentException("a task id is a positive whole number, got '" + id + "'");
            }
            try (NetworkOptions.Connection c = net.connect()) {
                Map<String, Object> r = report(c.verity(), taskId);
                PrintWriter out = cmd.commandLine().getOut();
                if (json) {
                    out.println(JSON.writeValueAsString(r));
                } else {
                    printTable(out, c.verity(), r);
                }
            }
            return 0;
        }
    }

    /** Everything the chain says about a task, in a fixed order (amounts in wei as strings, hashes as hex). */
    static Map<String, Object> report(Verity v, long taskId) {
        long count = v.taskCount();
        if (taskId > count) {
            throw new IllegalArgumentException("no task " + taskId + " on this network (market " + v.market + " has "
                    + (count == 0 ? "no tasks" : "tasks 1 to " + count) + ")");
        }
        Verity.TaskView t = v.task(taskId);
        dev.verity.chain.PostParams s = t.spec();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", taskId);
        r.put("status", t.status().name().toLowerCase(Locale.ROOT));
        r.put("submitter", t.submitter().toLowerCase(Locale.ROOT));
        r.put("solver", zeroAddress(t.solver()) ? null : t.solver().toLowerCase(Locale.ROOT));
        r.put("bestPricePerUnit", t.bestPrice().toString());
        r.put("maxPricePerUnit", s.maxPricePerUnit().toString());
        r.put("escrow", t.escrow().toString());
        r.put("workUnits", s.workUnits());
        r.put("steps", s.totalSteps());
        r.put("checkpointInterval", s.checkpointInterval());
        r.put("replayFee", s.replayFee().toString());
        r.put("solverStake", s.solverStake().toString());
        r.put("stakeLocked", t.stakeLocked());
        r.put("numVerifiers", s.numVerifiers());
        r.put("stage", stage(t.status(), t.assigned()));
        r.put("deadline", t.deadline());
        r.put("now", v.chain.timestamp());
        Map<String, Object> windows = new LinkedHashMap<>();
        windows.put("bid", s.bidWindow());
        windows.put("commit", s.commitWindow());
        windows.put("reveal", s.revealWindow());
        windows.put("verify", s.verifyWindow());
        r.put("windows", windows);
        r.put("specHash", Sha256.hex(s.specHash()));
        r.put("datasetRoot", Sha256.hex(s.datasetRoot()));
        r.put("graphRoot", Sha256.hex(s.graphRoot()));
        r.put("parentModel", isZero(s.parentModel()) ? null : Sha256.hex(s.parentModel()));
        r.put("traceRoot", isZero(t.traceRoot()) ? null : Sha256.hex(t.traceRoot()));
        r.put("modelRoot", isZero(t.modelRoot()) ? null : Sha256.hex(t.modelRoot()));
        r.put("manifestHash", isZero(t.manifestHash()) ? null : Sha256.hex(t.manifestHash()));
        r.put("inZoo", !isZero(t.modelRoot()) && v.modelRegistered(t.modelRoot()));
        r.put("attestations", t.attestations());
        List<Map<String, Object>> as = new ArrayList<>();
        for (Verity.Assignment a : v.assignments(taskId)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("verifier", a.verifier().toLowerCase(Locale.ROOT));
            m.put("segment", a.segment());
            m.put("attested", a.attested());
            as.add(m);
        }
        r.put("assignments", as);
        List<Map<String, Object>> ds = new ArrayList<>();
        for (long d : disputeIds(v, taskId)) {
            Verity.DisputeView dv = v.dispute(d);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", d);
            m.put("challenger", dv.challenger().toLowerCase(Locale.ROOT));
            m.put("defender", dv.defender().toLowerCase(Locale.ROOT));
            m.put("segment", v.disputeSegment(d));
            m.put("state", dv.nextRound() == 0 ? (dv.challengerWon() ? "challenger won" : "defender won") : "open, round " + dv.nextRound());
            m.put("deadline", dv.nextRound() == 0 ? null : dv.deadline());
            ds.add(m);
        }
        r.put("disputes", ds);
        return r;
    }

    /** Ids of the disputes opened about a task, oldest first (DisputeOpened: topic 1 the dispute, topic 2 the task). */
    static List<Long> disputeIds(Verity v, long taskId) {
        List<Long> out = new ArrayList<>();
        BigInteger want = BigInteger.valueOf(taskId);
        for (var l : v.chain.logs(v.game, ChainEvents.topic("DisputeOpened"), v.deployBlock, v.chain.blockNumber())) {
            if (l.topics().size() > 2 && new BigInteger(l.topics().get(2).substring(2), 16).equals(want)) {
                out.add(new BigInteger(l.topics().get(1).substring(2), 16).longValueExact());
            }
        }
        return out;
    }

    /** What the task's single on-chain deadline is the deadline of. */
    static String stage(Verity.Status s, boolean assigned) {
        return switch (s) {
            case BIDDING -> "bidding closes";
            case ASSIGNED -> "solver must commit by";
            case COMMITTED -> assigned ? "challenge window closes" : "submitter must reveal the seed by";
            case DISPUTED -> "in dispute";
            default -> "final";
        };
    }

    static boolean zeroAddress(String a) {
        return a == null || a.replace("0x", "").chars().allMatch(ch -> ch == '0');
    }

    static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String tokens(Object wei) {
        return Accounts.tokens(new BigInteger((String) wei));
    }

    static String time(long epoch, long now) {
        long d = epoch - now;
        String rel = d >= 0 ? "in " + duration(d) : duration(-d) + " ago";
        return Instant.ofEpochSecond(epoch) + " (" + rel + ")";
    }

    static String duration(long s) {
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        if (s < 172800) {
            return s / 3600 + " h";
        }
        return s / 86400 + " d";
    }

    @SuppressWarnings("unchecked")
    private static void printTable(PrintWriter out, Verity v, Map<String, Object> r) {
        String f = "%-20s %s%n";
        out.printf(f, "task", r.get("id"));
        out.printf(f, "status", r.get("status"));
        out.printf(f, "submitter", r.get("submitter"));
        out.printf(f, "solver", r.get("solver") == null ? "-" : r.get("solver"));
        out.printf(f, "price", r.get("solver") == null ? "-" : tokens(r.get("bestPricePerUnit")) + " per work unit");
        out.printf(f, "max price", tokens(r.get("maxPricePerUnit")) + " per work unit");
        out.printf(f, "work", r.get("workUnits") + " work units, " + r.get("steps") + " steps, checkpoint every " + r.get("checkpointInterval"));
        out.printf(f, "escrow", tokens(r.get("escrow")));
        out.printf(f, "solver stake", tokens(r.get("solverStake")) + ((Boolean) r.get("stakeLocked") ? " (locked)" : ""));
        out.printf(f, "replay fee", tokens(r.get("replayFee")) + " x " + r.get("numVerifiers") + " verifiers");
        long now = (Long) r.get("now");
        String stage = (String) r.get("stage");
        out.printf(f, "deadline", stage.equals("final") || stage.equals("in dispute") ? stage : stage + " " + time((Long) r.get("deadline"), now));
        Map<String, Object> w = (Map<String, Object>) r.get("windows");
        out.printf(f, "windows", "bid " + duration((Long) w.get("bid")) + ", commit " + duration((Long) w.get("commit")) + ", reveal "
                + duration((Long) w.get("reveal")) + ", verify " + duration((Long) w.get("verify")));
        out.printf(f, "spec hash", r.get("specHash"));
        out.printf(f, "dataset root", r.get("datasetRoot"));
        out.printf(f, "graph root", r.get("graphRoot"));
        out.printf(f, "parent model", r.get("parentModel") == null ? "- (from scratch)" : r.get("parentModel"));
        out.printf(f, "trace root", r.get("traceRoot") == null ? "- (not committed)" : r.get("traceRoot"));
        out.printf(f, "model root", r.get("modelRoot") == null ? "- (not committed)"
                : r.get("modelRoot") + ((Boolean) r.get("inZoo") ? " (in the zoo)" : ""));
        out.printf(f, "manifest", r.get("manifestHash") == null ? "-" : r.get("manifestHash"));
        List<Map<String, Object>> as = (List<Map<String, Object>>) r.get("assignments");
        out.printf(f, "attestations", r.get("attestations") + " of " + as.size() + " assigned verifiers");
        for (Map<String, Object> a : as) {
            out.printf(f, "", a.get("verifier") + " segment " + a.get("segment") + ((Boolean) a.get("attested") ? " attested" : " not attested"));
        }
        List<Map<String, Object>> ds = (List<Map<String, Object>>) r.get("disputes");
        out.printf(f, "disputes", ds.isEmpty() ? "none" : String.valueOf(ds.size()));
        for (Map<String, Object> d : ds) {
            out.printf(f, "", "#" + d.get("id") + " segment " + d.get("segment") + ": " + d.get("challenger") + " vs " + d.get("defender") + ", "
                    + d.get("state") + (d.get("deadline") == null ? "" : ", deadline " + time((Long) d.get("deadline"), now)));
        }
    }
}

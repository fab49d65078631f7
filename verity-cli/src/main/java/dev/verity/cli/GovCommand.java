package dev.verity.cli;

import dev.verity.chain.Governance;
import dev.verity.chain.Governance.Proposal;
import dev.verity.chain.Governance.ProposalState;
import dev.verity.chain.Governance.Status;
import dev.verity.chain.TaskRules;
import dev.verity.chain.Verity;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
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

/**
 * {@code verity gov ...}: the protocol's parameters and the proposals that change them. Every move that cannot succeed
 * now (too few votes to propose, a rule out of range, a vote that is not open, a queue before the vote passed, an
 * execution before the timelock releases it) is refused before anything is sent, with what to do instead.
 */
@Command(name = "gov", mixinStandardHelpOptions = true,
        description = "Governance: the rules of new tasks, and the proposals VRT holders vote on to change them (docs/governance.md).",
        subcommands = {GovCommand.Params.class, GovCommand.Delegate.class, GovCommand.Propose.class, GovCommand.Vote.class,
                GovCommand.StatusCommand.class, GovCommand.Queue.class, GovCommand.Execute.class})
public final class GovCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A proposal id in decimal (as the governor and explorers print it) or 0x-prefixed hex. */
    static BigInteger proposalId(String text) {
        String t = text.strip();
        try {
            BigInteger id = t.startsWith("0x") || t.startsWith("0X") ? new BigInteger(t.substring(2), 16) : new BigInteger(t);
            if (id.signum() <= 0 || id.bitLength() > 256) throw new NumberFormatException();
            return id;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("PROPOSAL must be a proposal id (the number verity gov propose printed, decimal or 0x hex), got '" + text + "'");
        }
    }

    static String blocks(long from, long now) {
        return from > now ? "block " + from + " (in " + (from - now) + " blocks)" : "block " + from + " (" + (now - from) + " blocks ago)";
    }

    static void printStatus(PrintWriter out, Governance gov, Verity v, Status s) {
        long now = v.chain.blockNumber();
        out.printf("%-10s %s%n", "proposal", s.id());
        out.printf("%-10s %s%n", "state", s.state().label());
        out.printf("%-10s opens after %s, closes after %s%n", "voting", blocks(s.snapshot(), now), blocks(s.deadline(), now));
        out.printf("%-10s %s%n", "votes", s.outcome());
        if (s.eta() != 0) out.printf("%-10s %s%n", "executable", TaskCommand.time(s.eta(), v.chain.timestamp()));
    }

    @Command(name = "params", mixinStandardHelpOptions = true,
            description = "The rules new tasks are held to (with ProtocolParams' bounds), the governor's settings and every proposal with its state.")
    static final class Params implements Callable<Integer> {
        @Mixin
        NetworkOptions net;

        @Option(names = "--json", description = "print JSON (amounts in wei, as strings)")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            try (NetworkOptions.Connection c = net.connect()) {
                Verity v = c.verity();
                Governance gov = new Governance(v);
                Map<String, BigInteger> rules = gov.rules().asMap();
                Map<String, BigInteger[]> bounds = gov.bounds();
                List<Map<String, Object>> proposals = new ArrayList<>();
                for (Proposal p : gov.proposals()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", p.id().toString());
                    m.put("state", gov.state(p.id()).label());
                    m.put("proposer", p.proposer());
                    m.put("description", p.description());
                    m.put("voteEnd", p.voteEnd());
                    proposals.add(m);
                }
                PrintWriter out = cmd.commandLine().getOut();
                if (json) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    Map<String, Object> rj = new LinkedHashMap<>();
                    rules.forEach((k, x) -> rj.put(k, Map.of("value", x.toString(), "min", bounds.get(k)[0].toString(), "max", bounds.get(k)[1].toString())));
                    r.put("rules", rj);
                    r.put("governor", v.governor);
                    r.put("timelock", v.timelock);
                    r.put("params", v.params);
                    r.put("votingDelay", gov.votingDelay());
                    r.put("votingPeriod", gov.votingPeriod());
                    r.put("proposalThreshold", gov.proposalThreshold().toString());
                    r.put("quorumPercent", gov.quorumPercent());
                    r.put("timelockDelay", gov.timelockDelay());
                    r.put("refereeSets", gov.refereeSets());
                    r.put("proposals", proposals);
                    out.println(TaskCommand.JSON.writeValueAsString(r));
                    return 0;
                }
                out.println("rules of new tasks (ProtocolParams " + v.params + ", owned by the timelock " + v.timelock + "):");
                for (Map.Entry<String, BigInteger> e : rules.entrySet()) {
                    BigInteger[] b = bounds.get(e.getKey());
                    String value = TaskRules.AMOUNTS.contains(e.getKey()) ? e.getValue() + " (" + Governance.vrt(e.getValue()) + ")"
                            : e.getKey().equals("roundTimeout") ? e.getValue() + " s" : e.getValue().toString();
                    String max = b[1].bitLength() > 64 ? "2^128-1" : b[1].toString();
                    out.printf("  %-18s %-28s allowed [%s, %s]%n", e.getKey(), value, b[0], max);
                }
                List<List<String>> sets = gov.refereeSets();
                for (int i = 0; i < sets.size(); i++) {
                    out.printf("  referee set %d%s: referee %s, structure referee %s%n", i, i == gov.rules().refereeSet() ? " (new tasks')" : "",
                            sets.get(i).get(0), sets.get(i).get(1));
                }
                out.println("governor " + v.governor + ":");
                out.printf("  %-18s %s after the proposal%n", "voting opens", gov.votingDelay() == 1 ? "1 block" : gov.votingDelay() + " blocks");
                out.printf("  %-18s %s blocks%n", "voting lasts", gov.votingPeriod());
                out.printf("  %-18s %s of votes delegated to the proposer%n", "to propose", Governance.vrt(gov.proposalThreshold()));
                out.printf("  %-18s %s%% of the supply (for + abstain), and more for than against%n", "to pass", gov.quorumPercent());
                out.printf("  %-18s %s after queueing%n", "timelock", TaskCommand.duration(gov.timelockDelay()));
                out.println("proposals:" + (proposals.isEmpty() ? " none" : ""));
                for (Map<String, Object> p : proposals) {
                    out.printf("  %s  %-9s %s%n", p.get("id"), p.get("state"), p.get("description"));
                }
            }
            return 0;
        }
    }

    @Command(name = "delegate", mixinStandardHelpOptions = true,
            description = "Give the key account's voting power (its whole balance, as it changes) to ADDRESS, itself by default. Tokens vote only "
                    + "once delegated; a delegation counts from the next block, and only for proposals made after it.")
    static final class Delegate implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "ADDRESS", description = "whom to delegate to (default: the key account itself)")
        String to;

        @Mixin
        NetworkOptions net;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            if (to != null && !to.strip().matches("0x[0-9a-fA-F]{40}")) {
                throw new IllegalArgumentException("ADDRESS must be 0x followed by 40 hex digits, got '" + to + "'");
            }
            try (NetworkOptions.Connection c = net.connect()) {
                String me = c.sender("delegate");
                String target = to == null ? me : to.strip().toLowerCase(Locale.ROOT);
                Governance gov = new Governance(c.verity());
                gov.delegate(me, target);
                cmd.commandLine().getOut().println(me + " delegates " + Governance.vrt(c.verity().balanceOf(me)) + " of votes to " + target
                        + "; " + target + " now has " + Governance.vrt(gov.votes(target)));
            }
            return 0;
        }
    }

    @Command(name = "propose", mixinStandardHelpOptions = true,
            description = "Propose new rules for new tasks: the current rules with each --set applied, or a referee upgrade "
                    + "(--referee). Prints the proposal id.")
    static final class Propose implements Callable<Integer> {
        @Option(names = "--set", paramLabel = "NAME=VALUE",
                description = "a rule and its new value (repeatable); seatStake and challengeBond in wei or with a VRT suffix (150VRT), "
                        + "roundTimeout in seconds; names: seatStake, feeBps, minStakeBps, replayFeeFloorBps, jackpotShareBps, forcedErrorPpm, "
                        + "challengeBond, roundTimeout (refereeSet moves only by a referee upgrade)")
        List<String> set;

        @Option(names = "--referee", paramLabel = "ADDRESS",
                description = "a referee upgrade instead of --set: the deployed referee contract that will recompute links in the disputes of "
                        + "tasks posted after the proposal executes (running tasks keep theirs)")
        String referee;

        @Option(names = "--structure-referee", paramLabel = "ADDRESS",
                description = "with --referee: round 5's structure referee of the new set (default: the current set's)")
        String structureReferee;

        @Option(names = "--description", required = true, paramLabel = "TEXT", description = "why (shown to voters; part of the proposal's id)")
        String description;

        @Mixin
        NetworkOptions net;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            try (NetworkOptions.Connection c = net.connect()) {
                String me = c.sender("propose");
                Governance gov = new Governance(c.verity());
                if ((referee == null) == (set == null || set.isEmpty())) {
                    throw new IllegalArgumentException("propose takes either --set NAME=VALUE (new rules) or --referee ADDRESS (a referee upgrade)");
                }
                if (referee != null) {
                    return proposeReferees(c, gov, me);
                }
                TaskRules current = gov.rules();
                TaskRules next = apply(current, set, gov.bounds());
                if (next.equals(current)) throw new IllegalArgumentException("--set changes nothing: the rules are already " + current.asMap());
                BigInteger id = gov.proposeRules(me, next, description);
                PrintWriter out = cmd.commandLine().getOut();
                Status s = gov.status(id);
                out.println("proposal " + id);
                for (Map.Entry<String, BigInteger> e : next.asMap().entrySet()) {
                    BigInteger was = current.asMap().get(e.getKey());
                    if (!was.equals(e.getValue())) out.println("  " + e.getKey() + ": " + was + " -> " + e.getValue());
                }
                out.println("voting opens after block " + s.snapshot() + " and closes after block " + s.deadline() + " (the latest block is " + c.verity().chain.blockNumber() + ")");
            }
            return 0;
        }

        private int proposeReferees(NetworkOptions.Connection c, Governance gov, String me) {
            List<List<String>> sets = gov.refereeSets();
            List<String> now = sets.get(gov.rules().refereeSet());
            String structure = structureReferee == null ? now.get(1) : structureReferee;
            BigInteger id = gov.proposeReferees(me, referee, structure, description);
            PrintWriter out = cmd.commandLine().getOut();
            Status s = gov.status(id);
            out.println("proposal " + id);
            out.println("  refereeSet: " + gov.rules().refereeSet() + " -> " + sets.size() + " (referee " + now.get(0) + " -> " + referee.toLowerCase(Locale.ROOT)
                    + ", structure referee " + now.get(1) + " -> " + structure.toLowerCase(Locale.ROOT) + ")");
            out.println("voting opens after block " + s.snapshot() + " and closes after block " + s.deadline() + " (the latest block is "
                    + c.verity().chain.blockNumber() + ")");
            return 0;
        }

        /** The rules with each NAME=VALUE applied, each value checked against ProtocolParams' bounds first. */
        static TaskRules apply(TaskRules rules, List<String> sets, Map<String, BigInteger[]> bounds) {
            TaskRules r = rules;
            for (String s : sets) {
                int eq = s.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("--set takes NAME=VALUE, got '" + s + "'");
                String name = s.substring(0, eq).strip();
                String text = s.substring(eq + 1).strip();
                if (!TaskRules.NAMES.contains(name)) {
                    throw new IllegalArgumentException("unknown rule '" + name + "'; the rules are " + String.join(", ", TaskRules.NAMES));
                }
                BigInteger value;
                try {
                    if (TaskRules.AMOUNTS.contains(name) && text.toUpperCase(Locale.ROOT).endsWith("VRT")) {
                        value = new BigDecimal(text.substring(0, text.length() - 3).strip()).movePointRight(18).toBigIntegerExact();
                    } else {
                        value = new BigInteger(text);
                    }
                } catch (NumberFormatException | ArithmeticException e) {
                    throw new IllegalArgumentException("--set " + name + ": '" + text + "' is not a whole number"
                            + (TaskRules.AMOUNTS.contains(name) ? " of wei (or VRT with a VRT suffix, e.g. 150VRT)" : ""));
                }
                BigInteger[] b = bounds.get(name);
                if (value.compareTo(b[0]) < 0 || value.compareTo(b[1]) > 0) {
                    throw new IllegalArgumentException("rule out of range: " + name + " = " + value + ", ProtocolParams allows [" + b[0] + ", " + b[1]
                            + "]; a proposal with it would fail when executed");
                }
                r = r.with(name, value);
            }
            return r;
        }
    }

    @Command(name = "vote", mixinStandardHelpOptions = true, description = "Cast the key account's votes (delegated to it at the proposal's snapshot).")
    static final class Vote implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PROPOSAL", description = "the proposal id")
        String id;

        @Parameters(index = "1", paramLabel = "SUPPORT", description = "for, against or abstain")
        String support;

        @Mixin
        NetworkOptions net;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            BigInteger pid = proposalId(id);
            Governance.Support s = switch (support.strip().toLowerCase(Locale.ROOT)) {
                case "for", "yes" -> Governance.Support.FOR;
                case "against", "no" -> Governance.Support.AGAINST;
                case "abstain" -> Governance.Support.ABSTAIN;
                default -> throw new IllegalArgumentException("SUPPORT must be for, against or abstain, got '" + support + "'");
            };
            try (NetworkOptions.Connection c = net.connect()) {
                String me = c.sender("vote");
                Governance gov = new Governance(c.verity());
                gov.castVote(me, pid, s);
                Status st = gov.status(pid);
                cmd.commandLine().getOut().println(me + " voted " + s.name().toLowerCase(Locale.ROOT) + " on proposal " + pid + " with "
                        + Governance.vrt(gov.pastVotes(me, st.snapshot())) + "; " + st.outcome() + "; voting closes after block " + st.deadline());
            }
            return 0;
        }
    }

    /** A move on one proposal: its id, the network, and the move itself run with the governance binding. */
    abstract static class ProposalAction implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PROPOSAL", description = "the proposal id")
        String id;

        @Mixin
        NetworkOptions net;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            BigInteger pid = proposalId(id);
            try (NetworkOptions.Connection c = net.connect()) {
                run(c, new Governance(c.verity()), pid, cmd.commandLine().getOut());
            }
            return 0;
        }

        abstract void run(NetworkOptions.Connection c, Governance gov, BigInteger pid, PrintWriter out) throws Exception;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "A proposal's state, voting blocks, votes and quorum, and when it may execute.")
    static final class StatusCommand extends ProposalAction {
        @Override
        void run(NetworkOptions.Connection c, Governance gov, BigInteger pid, PrintWriter out) {
            Proposal p = gov.proposal(pid);
            printStatus(out, gov, c.verity(), gov.status(pid));
            out.printf("%-10s %s%n", "proposer", p.proposer());
            out.printf("%-10s %s%n", "about", p.description());
            p.setRules(c.verity().params).ifPresent(r -> out.printf("%-10s %s%n", "sets rules", r.asMap()));
            p.adoptsReferees(c.verity().params).ifPresent(r -> out.printf("%-10s referee %s, structure referee %s%n", "adopts", r.get(0), r.get(1)));
        }
    }

    @Command(name = "queue", mixinStandardHelpOptions = true,
            description = "Queue a passed proposal in the timelock (anyone may); prints when it may execute.")
    static final class Queue extends ProposalAction {
        @Override
        void run(NetworkOptions.Connection c, Governance gov, BigInteger pid, PrintWriter out) {
            long eta = gov.queue(c.sender("queue"), pid);
            out.println("proposal " + pid + " queued; executable " + TaskCommand.time(eta, c.verity().chain.timestamp()));
        }
    }

    @Command(name = "execute", mixinStandardHelpOptions = true,
            description = "Execute a queued proposal once the timelock's delay has passed (anyone may); prints the rules it set.")
    static final class Execute extends ProposalAction {
        @Override
        void run(NetworkOptions.Connection c, Governance gov, BigInteger pid, PrintWriter out) {
            gov.execute(c.sender("execute"), pid);
            ProposalState s = gov.state(pid);
            out.println("proposal " + pid + " " + s.label().toLowerCase(Locale.ROOT) + "; rules of new tasks: " + gov.rules().asMap());
        }
    }
}

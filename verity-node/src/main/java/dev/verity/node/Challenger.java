package dev.verity.node;

import dev.verity.chain.Verity;
import dev.verity.proof.dispute.ChallengerMoves;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.BlobStore;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Opens and plays disputes: given a task and a segment whose replay did not land on the solver's
 * checkpoint, it posts the bond and round 1, then plays rounds 3, 5 and 7 as the game reaches
 * them (and ends the dispute by timeout if the solver goes silent). A verifier hands its
 * mismatches to one; anyone else may run one. A restarted challenger finds its open disputes from
 * the chain's DisputeOpened events and rebuilds its position from the chain and the blob store.
 */
public final class Challenger implements Role {
    /** Who challenges. The bond is the game's; the account must hold it. */
    public record Config(String name, String account) {
        public Config {
            Accounts.check("challenger account", account);
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("challenger: name is required");
            }
        }
    }

    /** Makes the challenger's moves for a task (the honest one by default; tests plug in liars). */
    @FunctionalInterface
    public interface Strategy {
        ChallengerMoves moves(TaskRun run, BlobStore store, Manifest m);
    }

    /** One finished dispute, for the story. */
    public record Outcome(long dispute, long taskId, boolean challengerWon, String how, List<DisputeParty.Move> moves) {
    }

    private record Pending(long taskId, int segment, String why) {
    }

    private final Config cfg;
    private final Verity v;
    private final BlobStore store;
    private final Consumer<String> log;
    private final Strategy strategy;
    private final ChainEvents events;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();
    private final TreeSet<Long> disputes = new TreeSet<>();
    private final Map<Long, DisputeParty.ChallengerSide> sides = new HashMap<>();
    private final List<Outcome> outcomes = new ArrayList<>();

    public Challenger(Config cfg, Verity v, BlobStore store, Consumer<String> log) {
        this(cfg, v, store, log, dev.verity.proof.dispute.HonestChallenger::new);
    }

    public Challenger(Config cfg, Verity v, BlobStore store, Consumer<String> log, Strategy strategy) {
        this.cfg = cfg;
        this.v = v;
        this.store = store;
        this.log = log;
        this.strategy = strategy;
        this.events = new ChainEvents(v);
    }

    @Override
    public String name() {
        return cfg.name();
    }

    @Override
    public String account() {
        return cfg.account();
    }

    @Override
    public void join() {
        v.approve(cfg.account(), v.game, Accounts.UNLIMITED);
    }

    /** Asks for a dispute of {@code segment} of {@code taskId} (opened at the next tick, if the task is still open to one). */
    public void challenge(long taskId, int segment, String why) {
        pending.putIfAbsent(taskId, new Pending(taskId, segment, why));
    }

    public List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    @Override
    public boolean tick() throws IOException {
        for (ChainEvents.Event e : events.poll()) {
            if (e.name().equals("DisputeOpened") && e.topicAddress(3).equals(cfg.account())) {
                disputes.add(e.topicLong(1));
            }
        }
        boolean acted = false;
        for (Pending p : new ArrayList<>(pending.values())) {
            acted |= open(p);
        }
        for (Long d : new TreeSet<>(disputes)) {
            acted |= play(d);
        }
        return acted;
    }

    private static TaskRun run(BlobStore store, Verity.TaskView t) throws IOException {
        String key = Sha256.hex(t.spec().specHash());
        return TaskRun.open(TaskSpec.parse(new String(store.get(key), StandardCharsets.UTF_8), store), store);
    }

    private boolean open(Pending p) throws IOException {
        Verity.TaskView t = v.task(p.taskId());
        // disputes of other challengers do not block this one: each plays its own game against the solver
        boolean open = t.status() == Verity.Status.COMMITTED || t.status() == Verity.Status.DISPUTED;
        if (!open || !t.assigned() || v.chain.timestamp() > t.deadline()) {
            pending.remove(p.taskId());
            log.accept(name() + " cannot challenge task " + p.taskId() + " (status " + t.status() + ")");
            return false;
        }
        BigInteger bond = t.rules().challengeBond(); // the task's rules, as the game copies them
        if (v.balanceOf(cfg.account()).compareTo(bond) < 0) {
            pending.remove(p.taskId());
            log.accept(name() + " cannot post the challenge bond of " + Accounts.tokens(bond));
            return false;
        }
        TaskRun run = run(store, t);
        Manifest m = Manifest.fromJson(store.get(Sha256.hex(t.manifestHash())));
        DisputeParty.ChallengerSide side;
        side = DisputeParty.ChallengerSide.open(v, cfg.account(), store, run, m, strategy.moves(run, store, m), p.taskId(), p.segment());
        pending.remove(p.taskId());
        sides.put(side.dispute(), side);
        disputes.add(side.dispute());
        log.accept(name() + " opens dispute " + side.dispute() + " on task " + p.taskId() + ", segment " + p.segment() + " (bond "
                + Accounts.tokens(bond) + "): " + p.why());
        return true;
    }

    private boolean play(long dispute) throws IOException {
        DisputeParty.ChallengerSide side = sides.get(dispute);
        if (side == null) {
            long taskId = ChainEvents.last(v, v.game, "DisputeOpened", dispute).topicLong(2);
            Verity.TaskView t = v.task(taskId);
            TaskRun run = run(store, t);
            Manifest m = Manifest.fromJson(store.get(Sha256.hex(t.manifestHash())));
            side = DisputeParty.ChallengerSide.resume(v, cfg.account(), store, run, m, strategy.moves(run, store, m), dispute);
            sides.put(dispute, side);
        }
        Verity.DisputeView d = v.dispute(dispute);
        if (d.nextRound() == 0) {
            finish(dispute, side, d);
            return false;
        }
        int round = d.nextRound();
        boolean moved = side.step();
        if (moved) {
            log.accept("  round " + round + " " + name() + " (challenger): " + side.lastHow);
        } else if (side.stuck() != null && !side.reportedStuck) {
            side.reportedStuck = true;
            log.accept("  " + name() + " (challenger) cannot move at " + side.stuck());
        }
        Verity.DisputeView after = v.dispute(dispute);
        if (after.nextRound() == 0) {
            finish(dispute, side, after);
        }
        return moved;
    }

    private void finish(long dispute, DisputeParty.ChallengerSide side, Verity.DisputeView d) {
        if (!disputes.remove(dispute)) {
            return;
        }
        ChainEvents.Event resolved = ChainEvents.last(v, v.game, "DisputeResolved", dispute);
        BigInteger slashed = resolved == null ? BigInteger.ZERO : resolved.word(1);
        String how = side.ruledOn().isEmpty() ? side.lastHow : "the referee ruled on " + side.ruledOn();
        outcomes.add(new Outcome(dispute, d.taskId(), d.challengerWon(), how, side.moves()));
        String won = slashed.signum() > 0
                ? "the challenger wins; the solver's stake of " + Accounts.tokens(slashed) + " is slashed (half to " + name() + ", half to the treasury)"
                : "the challenger wins; an earlier winner took the solver's stake, so " + name() + " gets its bond back";
        log.accept("dispute " + dispute + " resolved: " + (d.challengerWon() ? won : "the solver wins; " + name() + " forfeits its bond") + " — " + how);
    }
}

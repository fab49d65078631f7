package dev.verity.node.daemon;

import dev.verity.chain.Verity;
import dev.verity.node.ChainEvents;
import dev.verity.node.Challenger;
import dev.verity.node.Role;
import dev.verity.node.Verifier;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.verify.SegmentReplayer;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A standalone challenger daemon: anyone may challenge, not only the verifiers the chain drew. It
 * replays every segment of every task that opens for verification (unpaid work, for the slashing
 * reward) and hands the first mismatch to its {@link Challenger}, which opens and plays the dispute.
 */
final class ChallengerNode implements Role {
    private final Challenger challenger;
    private final Verity v;
    private final BlobStore store;
    private final Consumer<String> log;
    private final boolean auditAll;
    private final ChainEvents events;
    private final TreeSet<Long> toAudit = new TreeSet<>();

    ChallengerNode(Challenger challenger, Verity v, BlobStore store, Consumer<String> log, boolean auditAll) {
        this.challenger = challenger;
        this.v = v;
        this.store = store;
        this.log = log;
        this.auditAll = auditAll;
        this.events = new ChainEvents(v);
    }

    @Override
    public String name() {
        return challenger.name();
    }

    @Override
    public String account() {
        return challenger.account();
    }

    @Override
    public void join() {
        challenger.join();
    }

    @Override
    public boolean tick() throws Exception {
        for (ChainEvents.Event e : events.poll()) {
            if (auditAll && e.name().equals("VerificationOpened")) {
                toAudit.add(e.topicLong(1));
            }
        }
        boolean acted = false;
        for (Long id : new TreeSet<>(toAudit)) {
            toAudit.remove(id);
            acted |= audit(id);
        }
        return challenger.tick() | acted;
    }

    private boolean audit(long taskId) throws Exception {
        Verity.TaskView t = v.task(taskId);
        if (t.status() != Verity.Status.COMMITTED || t.solver().equalsIgnoreCase(account())) {
            return false;
        }
        TaskSpec spec = TaskSpec.parse(new String(store.get(Sha256.hex(t.spec().specHash())), StandardCharsets.UTF_8), store);
        SegmentReplayer r = new SegmentReplayer(TaskRun.open(spec, store), store, Manifest.fromJson(store.get(Sha256.hex(t.manifestHash()))));
        SegmentReplayer.Verdict mv = r.checkManifest();
        if (!mv.ok()) {
            log.accept(name() + " audits task " + taskId + ": manifest check '" + mv.check() + "' failed: " + mv.reason());
            return true;
        }
        Verifier.auditSegments(name(), taskId, r, challenger, log);
        return true;
    }
}

package dev.verity.node.daemon;

import dev.verity.chain.Verity;
import dev.verity.node.ChainEvents;
import dev.verity.node.Role;
import dev.verity.node.Submitter;
import dev.verity.merkle.Sha256;
import dev.verity.proof.spec.TaskSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A submitter daemon: the {@link Submitter} role plus a queue of task specs to post, one at a time
 * (each after the one before reached a final status). What has been posted is read from the chain
 * (this account's TaskPosted events and the spec hash of each task), not from memory, so a
 * restarted submitter neither posts a task twice nor loses track of one it posted.
 */
final class SubmitterNode implements Role {
    private final Submitter submitter;
    private final Verity v;
    private final List<TaskSpec> specs;
    private final ChainEvents events;
    private final Map<String, Long> postedBySpec = new HashMap<>();
    private int next;

    SubmitterNode(Submitter submitter, Verity v, List<TaskSpec> specs) {
        this.submitter = submitter;
        this.v = v;
        this.specs = List.copyOf(specs);
        this.events = new ChainEvents(v);
    }

    @Override
    public String name() {
        return submitter.name();
    }

    @Override
    public String account() {
        return submitter.account();
    }

    @Override
    public void join() {
        submitter.join();
    }

    @Override
    public boolean tick() throws Exception {
        for (ChainEvents.Event e : events.poll()) {
            if (e.name().equals("TaskPosted") && e.topicAddress(2).equals(account())) {
                long id = e.topicLong(1);
                postedBySpec.putIfAbsent(Sha256.hex(v.task(id).spec().specHash()), id);
            }
        }
        boolean acted = submitter.tick();
        while (next < specs.size()) {
            TaskSpec spec = specs.get(next);
            Long id = postedBySpec.get(spec.hashHex());
            if (id == null) {
                postedBySpec.put(spec.hashHex(), submitter.post(spec));
                return true;
            }
            if (!isFinal(v.task(id))) {
                break;
            }
            next++;
        }
        return acted;
    }

    /** Settled, cancelled, or failed with its escrow already refunded by settle(). */
    static boolean isFinal(Verity.TaskView t) {
        return switch (t.status()) {
            case SETTLED, CANCELLED -> true;
            case FAILED -> t.escrow().signum() == 0;
            default -> false;
        };
    }
}

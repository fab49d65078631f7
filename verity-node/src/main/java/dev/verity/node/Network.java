package dev.verity.node;

import dev.verity.chain.Verity;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs roles in one JVM, deterministically: every role is ticked in a fixed order; when a whole
 * round of ticks does nothing, the (development) chain's clock jumps to just past the next
 * deadline of an open task or dispute, as the passing of time would on a real chain. The roles
 * themselves know nothing of this driver: as daemons they loop on their own ticks.
 */
public final class Network {
    private final Verity v;
    private final List<Role> roles;

    public Network(Verity v, List<? extends Role> roles) {
        this.v = v;
        this.roles = new ArrayList<>(roles);
    }

    public void add(Role r) {
        roles.add(r);
    }

    public void remove(Role r) {
        roles.remove(r);
    }

    /** Ticks every role once; true if any acted. */
    public boolean tickAll() throws Exception {
        boolean acted = false;
        for (Role r : List.copyOf(roles)) {
            acted |= r.tick();
        }
        return acted;
    }

    /** Ticks until {@code done}, moving time on whenever nobody can act; fails after {@code maxRounds}. */
    public void runUntil(BooleanSupplier done, int maxRounds) throws Exception {
        for (int i = 0; i < maxRounds; i++) {
            if (done.getAsBoolean()) {
                return;
            }
            if (!tickAll()) {
                long next = nextDeadline();
                if (next < 0) {
                    throw new IllegalStateException("nothing to do and no deadline ahead, yet the goal is not reached");
                }
                v.chain.advanceTime(Math.max(1, next - v.chain.timestamp() + 1));
            }
        }
        if (!done.getAsBoolean()) {
            throw new IllegalStateException("goal not reached after " + maxRounds + " rounds");
        }
    }

    /** The earliest deadline at or after now of any open task or dispute; -1 if none. */
    public long nextDeadline() {
        long now = v.chain.timestamp();
        long best = -1;
        for (long id = 1; id <= v.taskCount(); id++) {
            Verity.TaskView t = v.task(id);
            List<Long> candidates = new ArrayList<>();
            switch (t.status()) {
                case BIDDING, ASSIGNED -> candidates.add(t.deadline());
                case COMMITTED, DISPUTED -> {
                    candidates.add(t.deadline());
                    if (t.assigned()) {
                        candidates.add(t.deadline() + v.probeWindow()); // answers and reveals of the probes, then settle
                    }
                }
                default -> {
                }
            }
            // any number of disputes may be open at once, and they outlive a task that an earlier one failed
            if ((t.status() == Verity.Status.DISPUTED || t.status() == Verity.Status.FAILED) && v.openDisputes(id) > 0) {
                for (long dispute : v.disputesOf(id)) {
                    Verity.DisputeView dv = v.dispute(dispute);
                    if (dv.nextRound() != 0) {
                        candidates.add(dv.deadline());
                    }
                }
            }
            for (long d : candidates) {
                if (d >= now && (best < 0 || d < best)) {
                    best = d;
                }
            }
        }
        return best;
    }

    /**
     * Waits for a task to reach a final status (settled, failed or cancelled); a failed task is final
     * once its settle() has paid the verifiers and refunded the escrow.
     */
    public void runUntilFinal(long taskId, int maxRounds) throws Exception {
        runUntil(() -> {
            Verity.TaskView t = v.task(taskId);
            return switch (t.status()) {
                case SETTLED, CANCELLED -> true;
                // a failed task is final once refunded and once every dispute of it has ended (later challengers get their bonds back)
                case FAILED -> t.escrow().signum() == 0 && v.openDisputes(taskId) == 0;
                default -> false;
            };
        }, maxRounds);
    }
}

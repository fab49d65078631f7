package dev.verity.node;

import dev.verity.chain.Chain;
import dev.verity.chain.Receipt;
import dev.verity.chain.Verity;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Fixes other seats' probes before the hash of their attestation's block leaves the EVM's reach
 * ({@code TaskMarket.drawProbe}, which anyone may call). A seat that attested without replaying could otherwise wait
 * for its first draw to lapse and take the one re-target the market allows: a second chance that all four drawn ops
 * are ones anyone can compute (docs/incentives.md, "Attest without replaying"). The keeper waits {@link #FIX_AFTER}
 * blocks first, so a seat that reveals on time costs it nothing; it pays one transaction for each seat that did not.
 * A seat whose node was away finds its probe fixed when it comes back and reveals at it as it would have.
 */
public final class ProbeKeeper {
    /** Blocks after an attestation before the keeper fixes its probe: a seat that reveals on time has done so. */
    public static final long FIX_AFTER = 64;
    /** The EVM's BLOCKHASH reach: a block's hash is readable for the 256 blocks after it. */
    static final long BLOCKHASH_REACH = 256;
    /** The last block offset at which the attestation block's hash is still in reach for the next transaction (a margin of six). */
    static final long LAST_IN_REACH = BLOCKHASH_REACH - 6;

    /** A seat to watch: its task and index. */
    private record Seat(long taskId, long index) implements Comparable<Seat> {
        @Override
        public int compareTo(Seat o) {
            return taskId != o.taskId ? Long.compare(taskId, o.taskId) : Long.compare(index, o.index);
        }
    }

    private final String who;
    private final String account;
    private final Verity v;
    private final Consumer<String> log;
    private final TreeSet<Seat> watched = new TreeSet<>();

    public ProbeKeeper(String who, String account, Verity v, Consumer<String> log) {
        this.who = who;
        this.account = account;
        this.v = v;
        this.log = log;
    }

    /** Reads an {@code Attested} event of the market: another account's seat is watched until its probe is fixed. */
    public void onEvent(ChainEvents.Event e) {
        if (e.name().equals("Attested") && !e.topicAddress(2).equalsIgnoreCase(account)) {
            watched.add(new Seat(e.topicLong(1), e.wordLong(0)));
        }
    }

    /** Fixes each watched probe that is due; true if it sent a transaction. */
    public boolean tick() {
        boolean acted = false;
        for (Seat s : List.copyOf(watched)) {
            acted |= keep(s);
        }
        return acted;
    }

    private boolean keep(Seat s) {
        Verity.TaskView t = v.task(s.taskId());
        Verity.Assignment seat = v.assignments(s.taskId()).get(Math.toIntExact(s.index()));
        if (!v.probesOpen(t) || seat.probe() != null || seat.proven()) {
            watched.remove(s);
            return false;
        }
        long age = v.chain.blockNumber() - seat.attestBlock();
        if (age < FIX_AFTER || age > LAST_IN_REACH) {
            // too early to spend gas on it, or already out of reach (the one re-target moves its block; the keeper
            // fixes that draw in turn)
            return false;
        }
        Receipt fixed;
        try {
            fixed = v.drawProbe(account, s.taskId(), s.index());
        } catch (Chain.RevertException e) {
            watched.remove(s); // the task left verification in the meantime
            return false;
        }
        watched.remove(s);
        log.accept(who + " fixes the probe of seat " + s.index() + " of task " + s.taskId() + " (" + seat.verifier() + "), which did not reveal within "
                + FIX_AFTER + " blocks: its draw can no longer lapse into a second one (" + fixed.gasUsed() + " gas)");
        return true;
    }
}

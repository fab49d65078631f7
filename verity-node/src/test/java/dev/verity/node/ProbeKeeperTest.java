package dev.verity.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.ChainSelftest;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.ReplayProof;
import dev.verity.chain.SyntheticDispute;
import dev.verity.chain.Verity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A seat that attested without replaying cannot let its probe's block hash lapse for a second draw while a keeper is
 * online: the keeper fixes the first draw, unchanged, once the seat has not revealed for {@link ProbeKeeper#FIX_AFTER}
 * blocks, and never touches a seat that revealed. A draw already out of reach is left to its one re-target, whose draw
 * the keeper fixes in turn.
 */
class ProbeKeeperTest {
    private static void blocks(Verity v, int n) {
        for (int i = 0; i < n; i++) v.chain.advanceTime(1); // one block each
    }

    @Test
    void aSeatThatDoesNotRevealHasItsFirstDrawFixedAndCannotWaitForASecond() {
        try (EmbeddedChain chain = new EmbeddedChain()) {
            ChainSelftest.Actors a = ChainSelftest.Actors.of(chain);
            Verity v = Verity.deploy(chain, a.deployer(), a.treasury(), Verity.Config.defaults());
            ChainSelftest.setUp(v, a);
            SyntheticDispute syn = new SyntheticDispute(32, 8, 4, 300, 4, 5);
            List<String> said = new ArrayList<>();
            ProbeKeeper keeper = new ProbeKeeper("verifier k", a.challenger(), v, said::add);
            ChainEvents events = new ChainEvents(v);

            long id = ChainSelftest.committedTask(v, a, syn);
            List<Verity.Assignment> as = v.assignments(id);
            ReplayProof honest = ChainSelftest.syntheticReplay(v, id, as.get(1));
            v.attest(as.get(0).verifier(), id, 0, new ReplayProof(as.get(0).key(), ReplayProofs.madeUp()).root()); // lazy
            v.attest(as.get(1).verifier(), id, 1, honest.root());
            events.poll().forEach(keeper::onEvent);
            assertFalse(keeper.tick(), "too early: the seats may still reveal");
            byte[] seed1 = ChainSelftest.drawnProbe(v, id, 1);
            v.revealProbe(as.get(1).verifier(), id, 1, honest.reveal(seed1, ChainSelftest.syntheticEnds(syn.totalSteps, syn.interval),
                    (int) as.get(1).segment()));
            byte[] firstDraw = v.probeOf(id, 0);
            assertNotNull(firstDraw);
            assertNull(v.assignments(id).get(0).probe(), "nobody fixed seat 0's draw yet");

            blocks(v, (int) ProbeKeeper.FIX_AFTER);
            assertTrue(keeper.tick(), "seat 0 did not reveal within FIX_AFTER blocks");
            assertArrayEquals(firstDraw, v.assignments(id).get(0).probe(), "the keeper fixes the draw the hash gave, unchanged");
            assertFalse(keeper.tick(), "one transaction per seat: the revealed seat 1 and the fixed seat 0 are done");
            assertEquals(1, said.size(), String.join("\n", said));

            blocks(v, 257);
            v.drawProbe(as.get(0).verifier(), id, 0); // the lazy seat hoped to re-target
            assertFalse(v.assignments(id).get(0).retargeted(), "a fixed draw is never re-targeted");
            assertArrayEquals(firstDraw, v.assignments(id).get(0).probe());

            // a seat whose hash was out of reach before the keeper looked: left to its one re-target, whose draw is fixed
            long id2 = ChainSelftest.committedTask(v, a, syn);
            Verity.Assignment s0 = v.assignments(id2).get(0);
            v.attest(s0.verifier(), id2, 0, new ReplayProof(s0.key(), ReplayProofs.madeUp()).root());
            events.poll().forEach(keeper::onEvent);
            blocks(v, 257);
            assertFalse(keeper.tick(), "out of reach: the keeper does not re-target");
            v.drawProbe(s0.verifier(), id2, 0);
            assertTrue(v.assignments(id2).get(0).retargeted());
            assertFalse(keeper.tick(), "the re-targeted draw is not due yet");
            blocks(v, (int) ProbeKeeper.FIX_AFTER);
            assertTrue(keeper.tick());
            Verity.Assignment fixed = v.assignments(id2).get(0);
            assertNotNull(fixed.probe());
            assertFalse(fixed.forced(), "a re-targeted probe is never a forced error");
        }
    }
}

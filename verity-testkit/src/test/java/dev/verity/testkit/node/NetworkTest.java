package dev.verity.testkit.node;

import dev.verity.node.Challenger;
import dev.verity.node.LocalNet;
import dev.verity.node.Network;
import dev.verity.node.Role;
import dev.verity.node.Solver;
import dev.verity.node.Submitter;
import dev.verity.node.Verifier;
import dev.verity.node.Zoo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.Verity;
import dev.verity.testkit.proof.Cheat;
import dev.verity.testkit.proof.Cheats;
import dev.verity.testkit.proof.ProofCheck;
import dev.verity.merkle.Sha256;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.LocalBlobStore;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The roles as services on the embedded chain, each with its own account, talking only through the
 * chain and the blob store: an honest task settles into the zoo, a cheater is challenged and
 * slashed, a solver killed mid-training resumes from its checkpoint, and a verifier that never
 * acts does not stop settlement. Token conservation is checked after every story.
 */
class NetworkTest {
    static final BigInteger MILLI = BigInteger.TEN.pow(15);
    final List<String> story = Collections.synchronizedList(new ArrayList<>());
    final Consumer<String> log = s -> {
        story.add(s);
        System.out.println(s);
    };

    Submitter submitter(LocalNet net, Path dir) throws Exception {
        Submitter s = new Submitter(new Submitter.Config("submitter", net.account(0), MILLI.multiply(BigInteger.TEN), MILLI,
                Verity.ether(500), 3, 600, 3600, 600, 600), net.verity, net.store, dir.resolve("submitter"), log);
        net.fund(s.account(), Verity.ether(100_000));
        return s;
    }

    Solver solver(LocalNet net, Path dir, int i, long priceMilli, Cheat cheat) throws Exception {
        Solver s = new Solver(new Solver.Config("solver" + i, net.account(i), MILLI.multiply(BigInteger.valueOf(priceMilli)), 1_000_000, 2,
                Verity.ether(1_000)), net.verity, net.store, dir.resolve("solver" + i), log, cheat);
        net.fund(s.account(), Verity.ether(2_000));
        return s;
    }

    Verifier verifier(LocalNet net, int i, boolean audit) {
        Verifier v = new Verifier(new Verifier.Config("verifier" + i, net.account(i), Verity.ether(100), audit), net.verity, net.store, log);
        net.fund(v.account(), Verity.ether(1_000));
        return v;
    }

    static TaskSpec spec(Path dir, long seed) throws Exception {
        return ProofCheck.small(dir).spec(seed);
    }

    @Test
    void honestTaskSettlesCheaterIsSlashed(@TempDir Path dir) throws Exception {
        try (LocalNet net = LocalNet.start(dir)) {
            Submitter sub = submitter(net, dir);
            Solver a = solver(net, dir, 1, 3, null);
            Solver b = solver(net, dir, 2, 2, null);
            Solver c = solver(net, dir, 3, 1, null);
            Verifier v1 = verifier(net, 4, false);
            Verifier v2 = verifier(net, 5, false);
            Verifier v3 = verifier(net, 6, true);
            List<Role> roles = List.of(sub, a, b, c, v1, v2, v3);
            roles.forEach(Role::join);
            Network n = new Network(net.verity, roles);
            net.checkConservation();

            long t1 = sub.post(spec(dir, 1));
            n.runUntilFinal(t1, 200);
            Verity.TaskView t = net.verity.task(t1);
            assertEquals(Verity.Status.SETTLED, t.status());
            assertEquals(c.account(), t.solver(), "the cheapest bid must win");
            assertTrue(net.verity.modelRegistered(t.modelRoot()), "the settled model is in the zoo");
            assertTrue(t.attestations() >= 1, "verifiers attested");
            net.checkConservation();

            // a cheater undercuts everyone; the auditing verifier (or an assigned one) catches it
            Cheat cheat = Cheats.all().stream().filter(x -> x.name().equals("skipped-steps")).findFirst().orElseThrow();
            Solver cheater = new Solver(new Solver.Config("mallory", net.account(7), MILLI.divide(BigInteger.TWO), 1_000_000, 2,
                    Verity.ether(1_000)), net.verity, net.store, dir.resolve("mallory"), log, cheat);
            net.fund(cheater.account(), Verity.ether(2_000));
            cheater.join();
            n.add(cheater);
            BigInteger stakeBefore = net.verity.staked(cheater.account());
            long t2 = sub.post(spec(dir, 2));
            n.runUntilFinal(t2, 300);
            Verity.TaskView f = net.verity.task(t2);
            assertEquals(cheater.account(), f.solver());
            assertEquals(Verity.Status.FAILED, f.status(), "the cheater's task must fail");
            assertEquals(stakeBefore.subtract(Verity.ether(500)), net.verity.staked(cheater.account()), "the cheater's task stake is slashed");
            List<Challenger.Outcome> outcomes = new ArrayList<>();
            for (Verifier v : List.of(v1, v2, v3)) {
                outcomes.addAll(v.challenger().outcomes());
            }
            // every verifier that finds the cheat plays its own game (one honest party suffices); each wins, one slash
            assertTrue(outcomes.size() >= 1, "the cheat is disputed");
            assertTrue(outcomes.stream().allMatch(Challenger.Outcome::challengerWon), "every challenger wins");
            assertFalse(net.verity.modelRegistered(f.modelRoot()), "a cheater's model never enters the zoo");
            net.checkConservation();
        }
    }

    /**
     * A verifier whose process dies after it attested and before it revealed loses nothing: restarted, it reads the chain's
     * events again, replays its segment again and reveals, and its seat is paid, not slashed.
     */
    @Test
    void aVerifierRestartedBetweenAttestingAndRevealingStillReveals(@TempDir Path dir) throws Exception {
        try (LocalNet net = LocalNet.start(dir)) {
            Submitter sub = submitter(net, dir);
            Solver s = solver(net, dir, 1, 1, null);
            // verifier4's process dies right after its attestation is mined, before it can reveal
            Consumer<String> dies = line -> {
                log.accept(line);
                if (line.startsWith("verifier4 ") && line.contains(" attests")) {
                    throw new IllegalStateException("power cut after attesting");
                }
            };
            Verifier crashing = new Verifier(new Verifier.Config("verifier4", net.account(4), Verity.ether(100), false), net.verity, net.store, dies);
            net.fund(crashing.account(), Verity.ether(1_000));
            List<Role> roles = new ArrayList<>(List.of(sub, s, crashing, verifier(net, 5, false), verifier(net, 6, false)));
            roles.forEach(Role::join);
            Network n = new Network(net.verity, roles);
            long id = sub.post(spec(dir, 4));
            IllegalStateException cut = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> n.runUntilFinal(id, 200));
            assertEquals("power cut after attesting", cut.getMessage());
            Verity.Assignment seat = net.verity.assignments(id).stream().filter(a -> a.verifier().equalsIgnoreCase(crashing.account())).findFirst()
                    .orElseThrow();
            assertTrue(seat.attested() && !seat.proven(), "attested, not revealed");
            n.remove(crashing);
            Verifier restarted = new Verifier(new Verifier.Config("verifier4", net.account(4), Verity.ether(100), false), net.verity, net.store, log);
            restarted.join();
            n.add(restarted);
            n.runUntilFinal(id, 300);
            assertEquals(Verity.Status.SETTLED, net.verity.task(id).status());
            Verity.Assignment after = net.verity.assignments(id).stream().filter(a -> a.verifier().equalsIgnoreCase(crashing.account())).findFirst()
                    .orElseThrow();
            assertTrue(after.proven() && !after.slashed(), "the restarted verifier revealed and kept its seat stake");
            assertTrue(story.stream().anyMatch(l -> l.contains("again to reveal the attestation it made before a restart")), "it replayed again");
            net.checkConservation();
        }
    }

    @Test
    void restartedSolverResumesAndASilentVerifierMeansNoPayment(@TempDir Path dir) throws Exception {
        TaskSpec spec = spec(dir, 3);
        Manifest uninterrupted = ProvenTraining.train(TaskRun.open(spec), new LocalBlobStore(dir.resolve("reference")), ProvenTraining.HONEST, null)
                .manifest();
        try (LocalNet net = LocalNet.start(dir)) {
            Submitter sub = submitter(net, dir);
            Solver s1 = solver(net, dir, 1, 1, null);
            s1.onProgress((task, step, steps) -> {
                if (step == 7) {
                    throw new IllegalStateException("power cut at step 7");
                }
            });
            Verifier quiet = verifier(net, 4, false).silent();
            List<Role> roles = new ArrayList<>(List.of(sub, s1, quiet));
            roles.forEach(Role::join);
            Network n = new Network(net.verity, roles);
            long id = sub.post(spec);
            IllegalStateException crash = assertThrows(IllegalStateException.class, () -> n.runUntilFinal(id, 100));
            assertEquals("power cut at step 7", crash.getMessage());
            assertEquals(Verity.Status.ASSIGNED, net.verity.task(id).status());

            // a new process: same key, same local store, nothing else carried over
            n.remove(s1);
            Solver s1b = solver(net, dir, 1, 1, null);
            n.add(s1b);
            n.runUntilFinal(id, 100);
            assertTrue(story.stream().anyMatch(l -> l.contains("resumes task " + id + " from its checkpoint at step 5")), "resumed from step 5");
            Verity.TaskView t = net.verity.task(id);
            assertEquals(uninterrupted.traceRoot(), Sha256.hex(t.traceRoot()), "the resumed run commits the uninterrupted trace root");
            // no payment for silence: with its only verifier silent the task has no quorum, so it fails, unpaid and
            // unregistered, and the solver's stake is unlocked (it did nothing wrong)
            assertEquals(Verity.Status.FAILED, t.status(), "a task nobody attested is not paid");
            assertEquals(0, t.attestations());
            assertFalse(net.verity.modelRegistered(t.modelRoot()));
            assertEquals(java.math.BigInteger.ZERO, net.verity.locked(s1b.account()));
            assertEquals(java.math.BigInteger.ZERO, t.escrow());
            net.checkConservation();
        }
    }

    /**
     * A user's model and data through the whole network: an ONNX CNN with BatchNorm and a published, normalised dataset
     * (ProofCheck.imported) are read by every role from the blob store; the honest task settles into the zoo with the
     * model's running statistics, and a cheater on the same kind of task is disputed on chain and slashed.
     */
    @Test
    void importedModelOnPublishedDataSettlesAndItsCheaterIsSlashed(@TempDir Path dir) throws Exception {
        ProofCheck imported = ProofCheck.imported(dir.resolve("imported"));
        try (LocalNet net = LocalNet.start(dir)) {
            Submitter sub = submitter(net, dir);
            Solver honest = solver(net, dir, 1, 1, null);
            Verifier v1 = verifier(net, 4, false);
            Verifier v2 = verifier(net, 5, true);
            List<Role> roles = List.of(sub, honest, v1, v2);
            roles.forEach(Role::join);
            Network n = new Network(net.verity, roles);

            TaskSpec spec = imported.spec(1, net.store);
            long t1 = sub.post(spec);
            n.runUntilFinal(t1, 200);
            Verity.TaskView t = net.verity.task(t1);
            assertEquals(Verity.Status.SETTLED, t.status());
            Zoo.Model m = Zoo.fetch(net.verity, net.store, t.modelRoot());
            assertTrue(m.tensors().keySet().stream().anyMatch(k -> k.endsWith("running_mean")),
                    "the zoo model carries BatchNorm's running statistics: " + m.tensors().keySet());
            assertEquals(Sha256.hex(TaskRun.open(spec, net.store).datasetRoot()), spec.datasetRoot());
            net.checkConservation();

            Cheat cheat = Cheats.all().stream().filter(x -> x.name().equals("stale-gradients")).findFirst().orElseThrow();
            Solver cheater = new Solver(new Solver.Config("mallory", net.account(7), MILLI.divide(BigInteger.TWO), 1_000_000, 2,
                    Verity.ether(1_000)), net.verity, net.store, dir.resolve("mallory"), log, cheat);
            net.fund(cheater.account(), Verity.ether(2_000));
            cheater.join();
            n.add(cheater);
            long t2 = sub.post(imported.spec(2, net.store));
            n.runUntilFinal(t2, 300);
            Verity.TaskView f = net.verity.task(t2);
            assertEquals(cheater.account(), f.solver());
            assertEquals(Verity.Status.FAILED, f.status(), "the cheater's task must fail");
            assertFalse(net.verity.modelRegistered(f.modelRoot()), "a cheater's model never enters the zoo");
            net.checkConservation();
        }
    }
}

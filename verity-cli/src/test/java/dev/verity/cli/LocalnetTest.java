package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.chain.HardhatNode;
import dev.verity.node.daemon.ProcessLocalnet;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verity localnet} end to end: a real Hardhat node, a blob server process and one
 * {@code verity node} process per role, all on 127.0.0.1. Needs verity-chain's Node packages
 * (CI installs them); VERITY_SKIP_NODE_TESTS=1 skips it where they are missing.
 */
@Timeout(600)
class LocalnetTest {
    @BeforeAll
    static void chainDir() {
        // tests run in verity-cli/; the Hardhat install is in the sibling verity-chain/
        if (System.getProperty("verity.chain.dir") == null && System.getProperty("verity.home") == null) {
            System.setProperty("verity.chain.dir", Path.of("..", "verity-chain").toAbsolutePath().normalize().toString());
        }
    }

    private static ProcessLocalnet.Outcome run(Path dir, boolean faults, ByteArrayOutputStream story) throws Exception {
        try (PrintStream out = new PrintStream(story, true, StandardCharsets.UTF_8)) {
            return ProcessLocalnet.run(new ProcessLocalnet.Options(dir, LocalnetCommand.launcher(), true, faults, Duration.ofMinutes(8)), new PrintStream(
                    new TeeStream(out, System.out), true, StandardCharsets.UTF_8));
        } catch (HardhatNode.NotInstalledException e) {
            if ("1".equals(System.getenv("VERITY_SKIP_NODE_TESTS"))) {
                Assumptions.abort("skipped: " + e.getMessage());
            }
            throw e;
        }
    }

    private static void assertAllDead(ProcessLocalnet.Outcome o) {
        assertTrue(o.pids().size() >= 10, "hardhat, blob server and 8 nodes were started: " + o.pids());
        assertEquals(List.of(), o.aliveAfter());
        for (long pid : o.pids()) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " is still alive");
        }
    }

    @Test
    void honestTaskSettlesAndCheaterIsSlashedWithEveryRoleItsOwnProcess(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream story = new ByteArrayOutputStream();
        ProcessLocalnet.Outcome o = run(dir, false, story);
        String text = story.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), o.failures());
        assertEquals(0, o.exitCode());
        assertEquals(1, o.settled(), "the honest task settled");
        assertEquals(1, o.failed(), "the cheater's task failed");
        assertTrue(o.disputesWon() >= 1, "the cheat is disputed and won");
        assertEquals(1, o.solversSlashed());
        assertTrue(o.conserved());
        assertEquals(2, o.tasksPosted());
        assertTrue(text.contains("zoo entry: model "), "the settled model is in the zoo");
        assertTrue(text.contains("dispute 1 resolved: the challenger wins"), text);
        // every verifier that finds the cheat plays its own dispute, so one or more, each won by its challenger
        assertTrue(o.finalLine().matches("localnet: 2 tasks run to their final status \\(1 settled into the zoo, 1 failed and refunded\\), "
                + "[1-9][0-9]* disputes? won by the challenger, 1 solver slashed, tokens conserved.*"), o.finalLine());
        assertAllDead(o);
        // every node logged JSON lines with the fields docs/node.md promises
        String line = Files.readAllLines(dir.resolve("dave/node.log")).stream().filter(l -> l.contains("\"event\":\"committed\"")).findFirst().orElseThrow();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        for (String f : List.of("time", "node", "role", "level", "event", "message", "taskId")) {
            assertTrue(json.has(f), f + " in " + line);
        }
        assertEquals(1, json.get("taskId").asLong());
    }

    /**
     * One run with three faults: a verifier SIGKILLed before any task (drawn, never answers: the
     * task settles by its window), the winning solver SIGKILLed a third of the way through training
     * and restarted (resumes from its checkpoint, commits an uninterrupted run's trace root), and the
     * submitter SIGTERMed and restarted with a task open (posts nothing twice, reveals from its home).
     */
    @Test
    void killedAndRestartedNodesRecoverAndTheTasksStillSettle(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream story = new ByteArrayOutputStream();
        ProcessLocalnet.Outcome o = run(dir, true, story);
        String text = story.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), o.failures());
        assertNotNull(o.killedAtStep(), "the solver was killed mid-training");
        assertNotNull(o.resumedFromStep(), "the restarted solver resumed from a checkpoint");
        // the step is the one its status showed just before SIGKILL landed: it may have reached the next checkpoint since
        long c = ProcessLocalnet.FAULT_TASK_CHECKPOINT_INTERVAL;
        long lastPossible = Math.ceilDiv(o.killedAtStep(), c) * c;
        assertTrue(o.resumedFromStep() > 0 && o.resumedFromStep() <= lastPossible, "resumed at " + o.resumedFromStep() + ", killed at "
                + o.killedAtStep() + " (a checkpoint every " + c + " steps)");
        assertEquals(o.referenceTraceRoot(), o.committedTraceRoot(), "the resumed run commits the uninterrupted run's trace root");
        assertEquals(1, o.settled(), "the honest task settled though a verifier was down and the solver was killed");
        assertTrue(o.attestationsOfTask1() < o.assignmentsOfTask1(), "the dead verifier was drawn and did not attest: "
                + o.attestationsOfTask1() + " of " + o.assignmentsOfTask1());
        assertEquals(2, o.tasksPosted(), "the restarted submitter did not post again");
        assertTrue(text.contains("fault: submitter alice stopped (SIGTERM"), text);
        assertEquals(1, o.failed());
        assertTrue(o.disputesWon() >= 1, "the cheat is disputed and won");
        assertEquals(1, o.solversSlashed());
        assertTrue(o.conserved());
        assertAllDead(o);
    }

    /** A user's own task (an imported ONNX CNN on a published dataset) as the market's only task, every role its own process. */
    @Test
    void aUsersOwnOnnxTaskSettlesIntoTheZoo(@TempDir Path dir) throws Exception {
        Path userStore = dir.resolve("user-store");
        dev.verity.proof.spec.TaskSpec spec = dev.verity.testkit.proof.ProofCheck.imported(dir.resolve("user"))
                .spec(1, new dev.verity.proof.store.LocalBlobStore(userStore));
        Path specFile = dir.resolve("spec.json");
        Files.write(specFile, spec.canonicalBytes());
        Path work = dir.resolve("net");
        ByteArrayOutputStream story = new ByteArrayOutputStream();
        ProcessLocalnet.Outcome o;
        try (PrintStream out = new PrintStream(story, true, StandardCharsets.UTF_8)) {
            o = ProcessLocalnet.run(new ProcessLocalnet.Options(work, LocalnetCommand.launcher(), true, false, Duration.ofMinutes(8), false, -1,
                    specFile, userStore), new PrintStream(new TeeStream(out, System.out), true, StandardCharsets.UTF_8));
        } catch (HardhatNode.NotInstalledException e) {
            if ("1".equals(System.getenv("VERITY_SKIP_NODE_TESTS"))) {
                Assumptions.abort("skipped: " + e.getMessage());
            }
            throw e;
        }
        String text = story.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), o.failures());
        assertEquals(1, o.settled());
        assertEquals(1, o.tasksPosted(), "only the user's task");
        assertEquals(0, o.failed());
        assertTrue(text.contains("your model: verity zoo get "), text);
        assertTrue(o.finalLine().startsWith("localnet: 1 tasks run to their final status (1 settled into the zoo, 0 failed"), o.finalLine());
        assertEquals(List.of(), o.aliveAfter());
    }

    /** Copies what the run prints to the test's stdout too, so a failing run can be read in the surefire report. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }
}

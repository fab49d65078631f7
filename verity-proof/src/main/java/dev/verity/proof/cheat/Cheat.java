package dev.verity.proof.cheat;

import dev.verity.proof.dispute.Defender;
import dev.verity.proof.run.Manifest;
import dev.verity.proof.run.ProvenTraining;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;

/**
 * A dishonest solver: a strategy that saves the cheater work (or fakes a result) and that every
 * verifier must catch. Most cheats are a step function; some tamper with what is published.
 */
public interface Cheat {
    String name();

    /** What the cheat does, in one line. */
    String description();

    /** The step function the cheater trains with. */
    ProvenTraining.StepFunction stepFunction(TaskRun run) throws IOException;

    /** Tampering after training (withholding a blob, forging a model, …); returns the manifest it publishes. */
    default Manifest publish(TaskRun run, LocalBlobStore store, Manifest honestLooking) throws IOException {
        return honestLooking;
    }

    /**
     * The run whose graph the cheater's defender computes its op traces with (its own, if it
     * trained with other hyperparameters); the task's own run by default.
     */
    default TaskRun defenderRun(TaskRun run) throws IOException {
        return run;
    }

    /** How its defender hides the wrong element in the disputed chain (a wrong basic operation by default). */
    default Defender.Lie defenderLie() {
        return Defender.Lie.VALUE;
    }
}

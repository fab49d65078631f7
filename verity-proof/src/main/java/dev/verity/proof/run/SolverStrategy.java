package dev.verity.proof.run;

import dev.verity.proof.dispute.Defender;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;

/**
 * How a solver produces its steps and checkpoints: the step function it trains with, what it publishes, and how its
 * defender answers a dispute. {@link #HONEST} trains with {@code trainer.step} and publishes what it trained; a solver
 * role is given this strategy unless a test or a demo hands it another (the verity-testkit module's cheats, found by
 * name through {@link StrategyLibrary}).
 */
public interface SolverStrategy {
    String name();

    /** What the strategy does, in one line. */
    String description();

    /** True for {@link #HONEST} only: the defender of an honest strategy never has to hide anything. */
    default boolean honest() {
        return false;
    }

    /** The step function the solver trains with. */
    ProvenTraining.StepFunction stepFunction(TaskRun run) throws IOException;

    /** What happens after training (honest: nothing); returns the manifest the solver publishes. */
    default Manifest publish(TaskRun run, LocalBlobStore store, Manifest trained) throws IOException {
        return trained;
    }

    /**
     * The run whose graph the solver's defender computes its op traces with (its own, if it trained with other
     * hyperparameters); the task's own run by default.
     */
    default TaskRun defenderRun(TaskRun run) throws IOException {
        return run;
    }

    /** How the defender of a dishonest strategy hides the wrong element in the disputed chain (a wrong basic operation by default). */
    default Defender.Lie defenderLie() {
        return Defender.Lie.VALUE;
    }

    /** Honest training: {@link ProvenTraining#HONEST}, the trained manifest published as it is. */
    SolverStrategy HONEST = new SolverStrategy() {
        @Override
        public String name() {
            return "honest";
        }

        @Override
        public String description() {
            return "trains every step with the task's own step function";
        }

        @Override
        public boolean honest() {
            return true;
        }

        @Override
        public ProvenTraining.StepFunction stepFunction(TaskRun run) {
            return ProvenTraining.HONEST;
        }

        @Override
        public String toString() {
            return "honest";
        }
    };
}

package dev.verity.testkit.proof;

import dev.verity.proof.run.SolverStrategy;

/**
 * A dishonest solver: a strategy that saves the cheater work (or fakes a result) and that every
 * verifier must catch. Most cheats are a step function; some tamper with what is published
 * ({@link #publish}), train with their own hyperparameters ({@link #defenderRun}) or hide the wrong
 * element of a disputed chain in their own way ({@link #defenderLie}).
 */
public interface Cheat extends SolverStrategy {
}

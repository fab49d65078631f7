package dev.verity.tensor.graph;

/** Which part of a training step a node belongs to (recorded in the graph, shown in disputes). */
public enum Role {
    /** Reads a named state tensor or a named input (dataset arrays, the step counter). */
    SOURCE,
    /** Data gather and RNG ops that pick the step's batch. */
    DATA,
    FORWARD,
    BACKWARD,
    OPTIMIZER
}

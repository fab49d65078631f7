package dev.verity.tensor.graph;

/**
 * Which part of a training step a node belongs to (recorded in the graph, shown in disputes). Each has an explicit
 * {@link #code()}, the byte a graph record carries, so reordering the constants changes no graph root.
 */
public enum GraphRole {
    /** Reads a named state tensor or a named input (dataset arrays, the step counter). */
    SOURCE(0),
    /** Data gather and RNG ops that pick the step's batch. */
    DATA(1),
    FORWARD(2),
    BACKWARD(3),
    OPTIMIZER(4);

    private final int code;

    GraphRole(int code) {
        this.code = code;
    }

    /** The byte a graph record carries for this role. */
    public int code() {
        return code;
    }

    /** The role a code names; a code that names none is refused with its value. */
    public static GraphRole fromCode(int code) {
        for (GraphRole r : values()) {
            if (r.code == code) return r;
        }
        throw new IllegalArgumentException("no graph role has the code " + code);
    }
}

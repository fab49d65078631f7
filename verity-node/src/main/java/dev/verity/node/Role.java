package dev.verity.node;

/**
 * A protocol role run by one node: it owns an account, talks to the world only through the chain
 * and the blob store, and is stepped by {@link #tick()} (in one JVM, interleaved with other roles;
 * as a daemon, in a loop).
 */
public interface Role {
    /** A short name for the story ("solver bob"). */
    String name();

    /** The account this role sends from. */
    String account();

    /** Approves the contracts and stakes what the role needs (idempotent). */
    void join();

    /** Reads new events, makes every move that is due; true if it sent a transaction or did work. */
    boolean tick() throws Exception;
}

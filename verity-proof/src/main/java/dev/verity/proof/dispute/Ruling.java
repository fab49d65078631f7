package dev.verity.proof.dispute;

/**
 * The referee's decision: who wins, at which round, on what claim. For an element claim it names
 * the op kind, the link index and the basic operation that was recomputed.
 */
public record Ruling(Party winner, int round, String claim, String op, int link, String basicOp, String reason) {
    public enum Party { DEFENDER, CHALLENGER }

    public static Ruling of(Party winner, int round, String claim, String reason) {
        return new Ruling(winner, round, claim, "", -1, "", reason);
    }

    public boolean defenderLost() {
        return winner == Party.CHALLENGER;
    }

    @Override
    public String toString() {
        return winner + " wins at round " + round + " (" + claim + (op.isEmpty() ? "" : ", op " + op)
                + (link >= 0 ? ", link " + link + (basicOp.isEmpty() ? "" : " " + basicOp) : "") + "): " + reason;
    }
}

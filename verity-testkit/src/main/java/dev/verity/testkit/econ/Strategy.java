package dev.verity.testkit.econ;

/**
 * What an agent does. Each deviation is compared with its honest counterpart: a cheating solver with the honest
 * solver (net per task), a lazy, colluding or absent verifier with a diligent one (net per seat of an honest solver's task), a griefer with not
 * disputing at all (0, per dispute), a verifier that splits its stake over sybil accounts with one account holding the
 * same stake (net per honest solver's task).
 */
public enum Strategy {
    HONEST_SOLVER(Role.SOLVER, "honest", 0, null),
    CHEAT_1(Role.SOLVER, "cheat-0.01", 0.01, HONEST_SOLVER),
    CHEAT_10(Role.SOLVER, "cheat-0.1", 0.10, HONEST_SOLVER),
    CHEAT_50(Role.SOLVER, "cheat-0.5", 0.50, HONEST_SOLVER),
    CHEAT_100(Role.SOLVER, "cheat-1.0", 1.00, HONEST_SOLVER),
    DILIGENT(Role.VERIFIER, "diligent", 0, null),
    LAZY(Role.VERIFIER, "lazy", 0, DILIGENT),
    COLLUDING(Role.VERIFIER, "colluding", 0, DILIGENT),
    ABSENT(Role.VERIFIER, "absent", 0, DILIGENT),
    /** One diligent verifier holding the sybils' whole stake in one account: the sybils' honest counterpart. */
    ONE_ACCOUNT(Role.STAKE, "one-account", 0, null),
    SYBIL(Role.STAKE, "sybil", 0, ONE_ACCOUNT),
    GRIEFING(Role.CHALLENGER, "griefing", 0, null);

    /** Who the strategy belongs to, and what one sample of its net is. */
    public enum Role {
        SOLVER("solver", "per task"),
        VERIFIER("verifier", "per seat*"),
        STAKE("verifier stake", "per task*"),
        CHALLENGER("challenger", "per dispute");

        public final String label;
        public final String unit;

        Role(String label, String unit) {
            this.label = label;
            this.unit = unit;
        }
    }

    public final Role role;
    public final String label;
    /** The share of the training a solver skips (0 for every other strategy). */
    public final double skipped;
    /** The honest strategy a deviation is compared with; null for an honest strategy (a griefer is compared with 0). */
    public final Strategy counterpart;

    Strategy(Role role, String label, double skipped, Strategy counterpart) {
        this.role = role;
        this.label = label;
        this.skipped = skipped;
        this.counterpart = counterpart;
    }

    /** A deviation: a strategy the protocol must make pay less than its honest counterpart. */
    public boolean deviation() {
        return counterpart != null || this == GRIEFING;
    }

    /** The solver strategies, honest first: the rotation over tasks. */
    public static final java.util.List<Strategy> SOLVERS = java.util.List.of(HONEST_SOLVER, CHEAT_1, CHEAT_10, CHEAT_50, CHEAT_100);
}

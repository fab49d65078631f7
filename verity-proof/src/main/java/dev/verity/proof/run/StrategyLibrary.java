package dev.verity.proof.run;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A provider of solver strategies other than {@link SolverStrategy#HONEST}, found through {@link ServiceLoader}
 * (registered in {@code META-INF/services/dev.verity.proof.run.StrategyLibrary}). Verity's own modules register none:
 * the cheat library is in verity-testkit, which is on the CLI's classpath and no production module's, so a daemon or
 * demo asks for a cheat by name and has no compile-time reference to one.
 */
public interface StrategyLibrary {
    /** The strategies this library offers, each with a unique name. */
    List<? extends SolverStrategy> strategies();

    /** Every strategy on the classpath: {@link SolverStrategy#HONEST} first, then those of every library found. */
    static List<SolverStrategy> all() {
        List<SolverStrategy> all = new ArrayList<>();
        all.add(SolverStrategy.HONEST);
        for (StrategyLibrary lib : ServiceLoader.load(StrategyLibrary.class, StrategyLibrary.class.getClassLoader())) {
            all.addAll(lib.strategies());
        }
        return all;
    }

    /**
     * The strategy called {@code name} ({@code "honest"} is always there); a name no library on the classpath offers
     * is an {@link IllegalArgumentException} that says which names there are, and where the cheats live when there is
     * no library at all.
     */
    static SolverStrategy named(String name) {
        List<SolverStrategy> all = all();
        for (SolverStrategy s : all) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        List<String> names = all.stream().map(SolverStrategy::name).toList();
        if (names.size() == 1) {
            throw new IllegalArgumentException("solver strategy '" + name + "' is unknown: only 'honest' is on the classpath"
                    + " (the cheat library is verity-testkit, on the verity command's classpath, not on this one)");
        }
        throw new IllegalArgumentException("solver strategy '" + name + "' is unknown; there are " + names);
    }
}

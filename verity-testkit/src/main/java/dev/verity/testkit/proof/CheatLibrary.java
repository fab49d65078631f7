package dev.verity.testkit.proof;

import dev.verity.proof.run.StrategyLibrary;
import java.util.List;

/**
 * The cheat library as solver strategies: registered in {@code META-INF/services}, so that a daemon's
 * {@code solver.strategy} and the demos name a cheat (StrategyLibrary.named) without depending on this module.
 */
public final class CheatLibrary implements StrategyLibrary {
    @Override
    public List<Cheat> strategies() {
        return Cheats.all();
    }
}

package dev.verity.proof.cheat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.proof.dispute.LyingChallenger;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ProofCheckTest {
    @TempDir
    static Path dir;
    static ProofCheck check;

    @BeforeAll
    static void setUp() {
        check = ProofCheck.small(dir);
    }

    static Stream<Cheat> cheats() {
        return Cheats.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cheats")
    void everyCheatIsCaughtAndLosesItsDispute(Cheat cheat) throws Exception {
        ProofCheck.Row r = check.cheat(cheat, 1);
        System.out.println(r);
        assertTrue(r.pass(), cheat.name() + ": " + r);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LyingChallenger.Lie.class)
    void aLyingChallengerLosesAgainstAnHonestSolver(LyingChallenger.Lie lie) throws Exception {
        ProofCheck.Row r = check.lyingChallenger(lie, 2);
        System.out.println(r);
        assertTrue(r.pass(), r.toString());
    }

    @Test
    void honestRunsAreNeverFlagged() throws Exception {
        for (int t : List.of(1, 2, 4)) {
            ProofCheck.Row r = check.honest(50 + t, t);
            assertTrue(r.pass(), r.toString());
        }
    }

    @Test
    void theLibraryIsNotEmpty() {
        assertTrue(Cheats.all().size() >= 12);
        assertEquals(Cheats.all().size(), Cheats.all().stream().map(Cheat::name).distinct().count());
    }
}

package dev.verity.testkit.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.testkit.proof.LyingChallenger;
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
    static ProofCheck imported;

    @BeforeAll
    static void setUp() throws Exception {
        check = ProofCheck.small(dir);
        imported = ProofCheck.imported(dir.resolve("imported"));
    }

    static Stream<Cheat> cheats() {
        return Cheats.all().stream();
    }

    static Stream<Cheat> structureLies() {
        return Cheats.structureLies().stream();
    }

    /** Defenders that hide the lie in the disputed chain's structure: the Java referee's structure check catches each. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("structureLies")
    void everyStructureLieLosesItsDispute(Cheat cheat) throws Exception {
        ProofCheck.Row r = check.cheat(cheat, 1);
        System.out.println(r);
        assertTrue(r.pass(), cheat.name() + ": " + r);
        assertTrue(r.ruling().startsWith("5: "), cheat.name() + " must be decided on its chain (round 5): " + r);
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

    /** The same library on an imported ONNX model (BatchNorm buffers, a published, normalised dataset): nothing escapes. */
    @ParameterizedTest(name = "imported: {0}")
    @MethodSource("cheats")
    void everyCheatOnAnImportedModelIsCaughtAndLosesItsDispute(Cheat cheat) throws Exception {
        ProofCheck.Row r = imported.cheat(cheat, 1);
        System.out.println(r);
        assertTrue(r.pass(), cheat.name() + " on the imported model: " + r);
    }

    @Test
    void honestRunsOfAnImportedModelAreNeverFlaggedAndLiarsLose() throws Exception {
        for (int t : List.of(1, 2)) {
            ProofCheck.Row r = imported.honest(60 + t, t);
            assertTrue(r.pass(), r.toString());
        }
        for (LyingChallenger.Lie lie : List.of(LyingChallenger.Lie.values()[0], LyingChallenger.Lie.values()[LyingChallenger.Lie.values().length - 1])) {
            ProofCheck.Row r = imported.lyingChallenger(lie, 2);
            assertTrue(r.pass(), r.toString());
        }
    }

    @Test
    void theLibraryIsNotEmpty() {
        assertTrue(Cheats.all().size() >= 12);
        assertEquals(Cheats.all().size(), Cheats.all().stream().map(Cheat::name).distinct().count());
        List<Cheat> lies = Cheats.structureLies();
        assertEquals(lies.size(), Stream.concat(Cheats.all().stream(), lies.stream()).map(Cheat::name).distinct().count() - Cheats.all().size(),
                "a structure lie shares a name with a cheat");
    }
}

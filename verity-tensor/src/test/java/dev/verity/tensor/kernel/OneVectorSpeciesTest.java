package dev.verity.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every kernel uses {@link Vectors}' one species. A kernel on Float256Vector beside kernels on
 * Float512Vector put both classes in the Vector API's shared type profiles, and in about one
 * lenet5 run in four C2 then compiled many kernels with boxed vectors for the whole run (half
 * speed, megabytes of garbage per step). Only {@code Vectors} may name a shape or a fixed species.
 */
class OneVectorSpeciesTest {
    private static final Pattern FIXED_SPECIES =
            Pattern.compile("\\bSPECIES_(?:64|128|256|512|MAX|PREFERRED)\\b|VectorSpecies\\.of\\b|VectorShape\\.|withShape\\(");

    @Test
    void onlyVectorsChoosesAVectorShape() throws IOException {
        Path main = Path.of("src/main/java");
        assertTrue(Files.isDirectory(main), "run from the verity-tensor module: " + main.toAbsolutePath());
        List<String> found = new ArrayList<>();
        int scanned = 0;
        try (Stream<Path> files = Files.walk(main)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                scanned++;
                if (f.getFileName().toString().equals("Vectors.java")) {
                    continue;
                }
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = FIXED_SPECIES.matcher(lines.get(i));
                    if (m.find()) {
                        found.add(main.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(scanned > 20, "scanned only " + scanned + " source files");
        assertEquals(List.of(), found, "a kernel picks its own vector shape; use Vectors.F / Vectors.I");
    }

    @Test
    void thePatternCatchesAFixedSpecies() {
        // the check above must be able to fail: the line Conv2dKernels used to have
        assertTrue(FIXED_SPECIES.matcher("FN = L > 8 ? FloatVector.SPECIES_256 : F;").find());
        assertTrue(FIXED_SPECIES.matcher("VectorSpecies.of(float.class, VectorShape.S_256_BIT)").find());
        assertFalse(FIXED_SPECIES.matcher("private static final VectorSpecies<Float> F = Vectors.F;").find());
    }
}

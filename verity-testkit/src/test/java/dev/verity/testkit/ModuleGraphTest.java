package dev.verity.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No fixture or cheat is reachable from production code: no production module's pom depends on verity-testkit, no
 * class (or resource) they build names a type of it, and none of their sources declares a cheat, a liar or a fixture.
 * Each check is also run on something that must fail it (verity-cli's pom, the testkit's own classes and sources), so
 * that a scan that finds nothing cannot pass by looking in the wrong place.
 */
class ModuleGraphTest {
    /** The production modules: what a node, a deployment or a user's training runs. */
    static final List<String> PRODUCTION = List.of("verity-merkle", "verity-tensor", "verity-proof", "verity-chain", "verity-node");

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
    private static final Pattern ARTIFACT = Pattern.compile("<artifactId>\\s*([^<\\s]+)\\s*</artifactId>");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*|<!--.*?-->", Pattern.DOTALL);
    private static final Pattern FORBIDDEN_TYPE =
            Pattern.compile("\\b(?:class|interface|record|enum)\\s+(\\w*(?:Cheat|Lying|Fixture)\\w*)");

    @Test
    void noProductionPomDependsOnTheTestkit() throws IOException {
        for (String m : PRODUCTION) {
            List<String> deps = dependencies(ROOT.resolve(m).resolve("pom.xml"));
            assertFalse(deps.contains("verity-testkit"), m + "'s pom depends on verity-testkit: " + deps);
        }
        // the control: the verity command does depend on it (so the parser reads dependencies)
        assertTrue(dependencies(ROOT.resolve("verity-cli/pom.xml")).contains("verity-testkit"), "verity-cli's pom names verity-testkit");
    }

    @Test
    void noProductionClassNamesATestkitType() throws IOException {
        for (String m : PRODUCTION) {
            Path classes = ROOT.resolve(m).resolve("target/classes");
            List<Path> files = files(classes);
            assertTrue(files.stream().filter(f -> f.toString().endsWith(".class")).count() > 0,
                    m + ": its compiled classes are in " + classes + " (build the reactor first)");
            assertEquals(List.of(), naming(files, classes), m + ": built classes or resources that name a type of verity-testkit");
        }
        // the control: the testkit's own classes name themselves
        Path own = ROOT.resolve("verity-testkit/target/classes");
        assertFalse(naming(files(own), own).isEmpty(), "the scan finds dev/verity/testkit in the testkit's own classes");
    }

    @Test
    void noProductionSourceDeclaresACheatALiarOrAFixture() throws IOException {
        for (String m : PRODUCTION) {
            Path src = ROOT.resolve(m).resolve("src/main/java");
            List<Path> java = files(src).stream().filter(f -> f.toString().endsWith(".java")).toList();
            assertTrue(java.size() > 0, m + ": its sources are in " + src);
            assertEquals(List.of(), forbiddenTypes(java, src), m + ": production sources declare these types");
        }
        // the control: the testkit declares Cheat, LyingChallenger and InitFixture
        Path own = ROOT.resolve("verity-testkit/src/main/java");
        List<String> found = forbiddenTypes(files(own).stream().filter(f -> f.toString().endsWith(".java")).toList(), own);
        assertTrue(found.stream().anyMatch(s -> s.endsWith(" Cheat")) && found.stream().anyMatch(s -> s.endsWith(" LyingChallenger"))
                && found.stream().anyMatch(s -> s.endsWith(" InitFixture")), "the scan finds the testkit's own cheats: " + found);
    }

    /** The artifactIds of a pom's dependencies (comments stripped). */
    static List<String> dependencies(Path pom) throws IOException {
        String xml = COMMENT.matcher(Files.readString(pom)).replaceAll("");
        List<String> out = new ArrayList<>();
        Matcher d = DEPENDENCY.matcher(xml);
        while (d.find()) {
            Matcher a = ARTIFACT.matcher(d.group(1));
            if (a.find()) {
                out.add(a.group(1));
            }
        }
        return out;
    }

    /**
     * The files under {@code dir} whose bytes hold {@code dev/verity/testkit} (a class named in a constant pool) or
     * {@code dev.verity.testkit} (a class named in a string or a service registration).
     */
    static List<String> naming(List<Path> files, Path dir) throws IOException {
        byte[] slash = "dev/verity/testkit".getBytes(StandardCharsets.US_ASCII);
        byte[] dot = "dev.verity.testkit".getBytes(StandardCharsets.US_ASCII);
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            if (indexOf(b, slash) >= 0 || indexOf(b, dot) >= 0) {
                out.add(dir.relativize(f).toString());
            }
        }
        return out;
    }

    /** "file: Name" for every type declared in {@code java} whose name holds Cheat, Lying or Fixture (comments stripped). */
    static List<String> forbiddenTypes(List<Path> java, Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path f : java) {
            String code = COMMENT.matcher(Files.readString(f)).replaceAll("");
            Matcher t = FORBIDDEN_TYPE.matcher(code);
            while (t.find()) {
                out.add(dir.relativize(f) + ": " + t.group(1));
            }
        }
        return out;
    }

    static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No two top-level production types of Verity's modules share a simple name, not even in another case (LocalNet and
 * Localnet were two): a reader, an import and a stack trace name one thing.
 */
class UniqueTypeNamesTest {
    @Test
    void noTwoProductionTypesShareASimpleName() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Map<String, List<String>> byName = new TreeMap<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(p -> p.getFileName().toString().startsWith("verity-")).sorted().toList()) {
                Path src = module.resolve("src/main/java");
                if (!Files.isDirectory(src)) continue;
                try (Stream<Path> files = Files.walk(src)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                        String name = f.getFileName().toString().replace(".java", "");
                        if (name.equals("package-info") || name.equals("module-info")) continue;
                        byName.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(root.relativize(f).toString());
                    }
                }
            }
        }
        assertTrue(byName.size() > 100, "the scan found the modules' sources (" + byName.size() + " names)");
        Map<String, List<String>> shared = new TreeMap<>();
        byName.forEach((k, v) -> {
            if (v.size() > 1) shared.put(k, v);
        });
        assertEquals(Map.of(), shared, "types that share a simple name");
    }
}

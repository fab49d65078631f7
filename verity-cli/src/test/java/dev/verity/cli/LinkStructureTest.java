package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.verity.chain.EmbeddedChain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.verity.tensor.graph.OpKind;
import dev.verity.tensor.onnx.OnnxImporter;
import org.junit.jupiter.api.Test;

class LinkStructureTest {
    /** The committed LinkTemplates.sol is what DetMathChain records today (regenerate with -Dverity.regenerate=true). */
    @Test
    void templatesMatchTheEngine() throws Exception {
        Path file = Path.of("..").resolve(LinkTemplatesSource.PATH);
        String want = LinkTemplatesSource.solidity();
        if (Boolean.getBoolean("verity.regenerate")) {
            Files.writeString(file, want);
        }
        assertEquals(want, Files.readString(file), "LinkTemplates.sol is stale: regenerate it (see its header)");
    }

    /** Every link of random elements of every op kind of real mlp/lenet5/gpt steps, and mutations of them; all covered. */
    @Test
    void contractPrescribesTheJavaChains() throws Exception {
        try (EmbeddedChain chain = new EmbeddedChain()) {
            LinkStructureCheck.Report r = LinkStructureCheck.run(chain, Integer.getInteger("verity.structure.elements", 2),
                    Integer.getInteger("verity.structure.maxLinks", 400), System.out);
            assertEquals(0, r.mismatches(), "prescriptions that differ from the Java chains, or mutations not caught");
            // every op kind with chains in the three graphs (and SLICE / CONCAT / PAD_SLICE) is written: none answers
            // covered = false, which the dispute would treat as "no ruling"
            assertEquals(List.of(), r.rows().stream().filter(x -> !x.covered()).map(x -> x.kind() + ": " + x.example()).toList(),
                    "op kinds the contract does not cover");
            // an imported ONNX model holds only op kinds the contract rules on (the importer's list, OnnxImporter.EMITS)
            java.util.Set<OpKind> ruled = new java.util.TreeSet<>();
            r.rows().stream().filter(LinkStructureCheck.Row::covered).forEach(x -> ruled.add(x.kind()));
            assertEquals(List.of(), OnnxImporter.EMITS.stream().filter(k -> k != OpKind.STATE && k != OpKind.INPUT
                    && !k.op().isView() && !ruled.contains(k)).sorted().toList(),
                    "op kinds an imported model may contain that the contract was not shown to rule on");
        }
    }
}

package dev.verity.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The imported bench models: the harness, the exporter and the reference name the same ones (no python runs here). */
class ImportedModelsTest {
    private static String script(String name) throws IOException {
        try (InputStream in = ImportedModelsTest.class.getResourceAsStream("/dev/verity/bench/python/" + name)) {
            assertNotNull(in, name + " is bundled");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void harnessAndExporterListTheSameImportedModels() throws IOException {
        Matcher m = Pattern.compile("\"(onnx-[a-z]+)\": Spec\\(").matcher(script("onnx_models.py"));
        List<String> exported = m.results().map(r -> r.group(1)).toList();
        List<String> harness = TrainBench.KNOWN.stream().filter(TrainRun::imported).toList();
        assertEquals(harness, exported);
        for (String name : harness) {
            assertTrue(TrainBench.DEFAULT_STEPS.containsKey(name), name + " has default steps");
        }
    }

    @Test
    void referenceTrainsTheExportersModules() throws IOException {
        String ref = script("reference_train.py");
        assertTrue(ref.contains("import onnx_models"), "the reference imports the exporter's module definitions");
        assertTrue(ref.contains("onnx_models.MODELS"));
    }

    @Test
    void optionsAcceptImportedModelsAndRejectUnknownOnes() {
        var ok = new TrainBench.Options(List.of("onnx-cnn", "onnx-resnet", "onnx-transformer"), List.of(1, 2), true, 1, 0,
                -1, true);
        assertEquals(3, ok.models().size());
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TrainBench.Options(List.of("onnx-vgg"), List.of(1), true, 1, 0, -1, true));
        assertTrue(e.getMessage().contains("onnx-transformer"), e.getMessage());
    }

    @Test
    void anImportedModelNeedsItsExportDirectory() {
        var e = assertThrows(IllegalArgumentException.class, () -> TrainRun.trainer("onnx-cnn", null, 10));
        assertTrue(e.getMessage().contains("onnx_models.py"), e.getMessage());
    }
}

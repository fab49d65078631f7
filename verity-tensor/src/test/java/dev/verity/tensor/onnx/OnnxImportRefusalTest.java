package dev.verity.tensor.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the importer refuses, before any training, and what its message says. */
class OnnxImportRefusalTest {
    private static OnnxGraph mlpWith(OnnxNode extra) throws Exception {
        OnnxGraph g = OnnxGraph.read(Files.readAllBytes(OnnxTrajectoryTest.FIXTURES.resolve("mlp/model.onnx")), "mlp");
        List<OnnxNode> nodes = new ArrayList<>(g.nodes());
        String last = nodes.getLast().output(0);
        nodes.set(nodes.size() - 1, new OnnxNode(nodes.getLast().name(), nodes.getLast().opType(), nodes.getLast().inputs(),
                List.of("pre"), nodes.getLast().attrs()));
        nodes.add(new OnnxNode(extra.name(), extra.opType(), List.of("pre"), List.of(last), extra.attrs()));
        return new OnnxGraph(g.source(), g.opset(), g.inputs(), g.outputs(), g.initializers(), nodes);
    }

    private static String refusal(OnnxGraph g) {
        ModelConfig.Onnx m = new ModelConfig.Onnx(g, "0".repeat(64));
        Dataset d = new Dataset("d", "d", new int[] {1, 14, 14}, new float[196 * 4], new int[4], 10);
        TrainConfig c = new TrainConfig(4, 1, 1, new TrainConfig.Optimizer.Sgd(0.9f, 0f), TrainConfig.Schedule.constant(0.1f), 0f);
        return assertThrows(OnnxImportException.class, () -> Trainer.images(m, c, d)).getMessage();
    }

    @Test
    void anUnsupportedOpIsNamedWithWhatIsSupported() throws Exception {
        String msg = refusal(mlpWith(new OnnxNode("/head/Abs", "Abs", List.of(), List.of(), Map.of())));
        assertTrue(msg.contains("'/head/Abs'") && msg.contains("(Abs)") && msg.contains("unsupported op type")
                && msg.contains("Gemm") && msg.contains("BatchNormalization"), msg);
    }

    @Test
    void unsupportedAttributesAreNamed() throws Exception {
        String msg = refusal(mlpWith(new OnnxNode("/sm", "Softmax", List.of(), List.of(), Map.of("axis", 0L))));
        assertTrue(msg.contains("'/sm'") && msg.contains("only the last axis"), msg);
        msg = refusal(mlpWith(new OnnxNode("/clip", "Clip", List.of(), List.of(), Map.of())));
        assertTrue(msg.contains("'/clip'") && msg.contains("min 0"), msg);
    }

    @Test
    void erfAloneIsNotGelu() throws Exception {
        String msg = refusal(mlpWith(new OnnxNode("/erf", "Erf", List.of(), List.of(), Map.of())));
        assertTrue(msg.contains("'/erf'") && msg.contains("GELU"), msg);
    }

    @Test
    void notAModelAndWrongOpsetAreRefused() throws Exception {
        String msg = assertThrows(OnnxImportException.class,
                () -> OnnxGraph.read("not a model at all".getBytes(StandardCharsets.UTF_8), "junk.onnx")).getMessage();
        assertTrue(msg.contains("junk.onnx") && msg.contains("not an ONNX model"), msg);
        OnnxGraph g = OnnxGraph.read(Files.readAllBytes(OnnxTrajectoryTest.FIXTURES.resolve("mlp/model.onnx")), "mlp");
        byte[] bytes = Files.readAllBytes(OnnxTrajectoryTest.FIXTURES.resolve("mlp/model.onnx"));
        var proto = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(bytes).toBuilder();
        proto.setOpsetImport(0, proto.getOpsetImport(0).toBuilder().setVersion(9));
        msg = assertThrows(OnnxImportException.class, () -> OnnxGraph.read(proto.build().toByteArray(), "old.onnx")).getMessage();
        assertTrue(msg.contains("opset 9") && msg.contains("opset_version=17"), msg);
        assertTrue(g.nodes().size() > 0);
    }

    @Test
    void dataOfTheWrongShapeIsRefused() throws Exception {
        ModelConfig.Onnx m = ModelConfig.Onnx.read(OnnxTrajectoryTest.FIXTURES.resolve("mlp/model.onnx"));
        Dataset d = new Dataset("d", "d", new int[] {1, 28, 28}, new float[784 * 4], new int[4], 10);
        TrainConfig c = new TrainConfig(4, 1, 1, new TrainConfig.Optimizer.Sgd(0.9f, 0f), TrainConfig.Schedule.constant(0.1f), 0f);
        String msg = assertThrows(OnnxImportException.class, () -> Trainer.images(m, c, d)).getMessage();
        assertTrue(msg.contains("input 'x'") && msg.contains("[4, 784]"), msg);
    }

    @Test
    void exportWritesTrainedInitializersBackUnderTheirNames() throws Exception {
        byte[] bytes = Files.readAllBytes(OnnxTrajectoryTest.FIXTURES.resolve("mlp/model.onnx"));
        ModelConfig.Onnx m = ModelConfig.Onnx.of(bytes, "mlp");
        var trained = new java.util.TreeMap<String, dev.verity.tensor.Tensor>();
        for (var e : m.initialTensors().entrySet()) {
            float[] v = e.getValue().data().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] = v[i] * 2f + 1f;
            }
            trained.put(e.getKey(), new dev.verity.tensor.Tensor(e.getValue().shape(), v));
        }
        ModelConfig.Onnx back = ModelConfig.Onnx.of(OnnxExport.withInitializers(bytes, trained), "exported");
        for (var e : trained.entrySet()) {
            assertTrue(e.getValue().bitEquals(back.initialTensors().get(e.getKey())), e.getKey());
        }
        assertTrue(back.graph().nodes().equals(m.graph().nodes()), "the graph itself is unchanged");
        trained.put("no.such.weight", trained.firstEntry().getValue());
        String msg = assertThrows(OnnxImportException.class, () -> OnnxExport.withInitializers(bytes, trained)).getMessage();
        assertTrue(msg.contains("no.such.weight"), msg);
    }
}

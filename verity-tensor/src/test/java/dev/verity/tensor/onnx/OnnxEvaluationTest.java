package dev.verity.tensor.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.data.NpyArray;
import dev.verity.tensor.data.NpzFile;
import dev.verity.tensor.graph.StepExecutor;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.StepGraphs;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An imported model with BatchNorm, evaluated with its running statistics (eval mode), against PyTorch's eval-mode
 * logits for the same weights and images (tools/pytorch/batchnorm_eval_fixture.py: running statistics and affine
 * parameters far from their defaults, so a BatchNorm that ignored them, or used the batch's statistics, fails).
 *
 * <p>The bound is the one the trajectory test derives: Verity's float32 logits must be as close to PyTorch's float64
 * ones as PyTorch's own float32 ones are, within a factor 4 for a different summation order, plus 8 ulps of the value
 * for elements where PyTorch's float32 happens to round exactly.
 */
class OnnxEvaluationTest {
    static final Path DIR = Path.of("src/test/resources/dev/verity/tensor/onnx/cnn_bn");

    @Test
    void batchNormEvaluatesWithTheRunningStatisticsAsPyTorchDoes() throws Exception {
        ModelConfig.Onnx model = ModelConfig.Onnx.read(DIR.resolve("model.onnx"));
        NpzFile c = NpzFile.read(DIR.resolve("eval_case.npz"));
        Map<String, Tensor> tensors = new HashMap<>();
        for (var e : c.arrays().entrySet()) {
            if (e.getKey().startsWith("model/")) {
                tensors.put(e.getKey().substring(6), tensor(e.getValue()));
            }
        }
        assertEquals(model.initialTensors().keySet(), new java.util.TreeSet<>(tensors.keySet()), "every model tensor, by name");
        tensors.putAll(model.evaluationTensors(tensors));
        NpyArray x = c.get("x");
        int n = x.shape()[0];
        int[] sample = java.util.Arrays.copyOfRange(x.shape(), 1, x.shape().length);
        StepExecutor ex = new StepExecutor(StepGraphs.evaluation(model, n, sample, 0));
        Map<String, Tensor> inputs = new HashMap<>();
        inputs.put(StepGraphs.STEP, Tensor.zeros(1));
        inputs.put("x", Tensor.of(new int[] {n, x.floats().length / n}, x.floats()));
        ex.run(tensors, inputs, true);
        float[] verity = ex.output("logits").data();
        float[] f32 = c.get("logits_f32").floats();
        double[] f64 = c.get("logits_f64").doubles();
        double pytorch = 0;
        for (int i = 0; i < f64.length; i++) {
            pytorch = Math.max(pytorch, Math.abs(f32[i] - f64[i]));
        }
        double worst = 0;
        for (int i = 0; i < f64.length; i++) {
            double bound = 4 * pytorch + 8 * Math.ulp((float) f64[i]);
            double d = Math.abs(verity[i] - f64[i]);
            assertTrue(d <= bound, "logit " + i + ": Verity " + verity[i] + ", PyTorch float64 " + f64[i] + " (bound " + bound + ")");
            worst = Math.max(worst, d / bound);
        }
        System.out.printf("eval-mode BatchNorm: %d logits, worst |verity - f64| / bound = %.3f (PyTorch f32 max dev %.3g)%n",
                f64.length, worst, pytorch);
    }

    private static Tensor tensor(NpyArray a) {
        return new Tensor(a.shape(), a.floats());
    }
}


package dev.verity.cli;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.io.SafeTensors;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.onnx.OnnxExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code verity export}: a trained state of an imported model back to PyTorch, as safetensors under the ONNX
 * initializer names ({@code model.load_state_dict(safetensors.torch.load_file(f), strict=False)}) and as the ONNX model
 * with the trained initializers.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the trained weights of an imported ONNX model as safetensors and as ONNX, for PyTorch.")
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "the ONNX model that was trained")
    Path model;

    @Option(names = "--state", required = true, description = "a training state (verity train --save, or a zoo model)")
    Path state;

    @Option(names = "--out", required = true, description = "folder to write model.safetensors and model.onnx to")
    Path out;

    @Override
    public Integer call() throws Exception {
        byte[] original = Files.readAllBytes(model);
        ModelConfig.Onnx onnx = ModelConfig.Onnx.of(original, model.toString());
        Map<String, Tensor> saved = SafeTensors.read(state).tensors();
        TreeMap<String, Tensor> trained = new TreeMap<>();
        for (String name : onnx.initialTensors().keySet()) {
            Tensor t = saved.get(name);
            if (t == null) {
                throw new IllegalArgumentException(state + " has no tensor '" + name + "' of the model " + model
                        + " (is it a state of this model?)");
            }
            trained.put(name, t);
        }
        Files.createDirectories(out);
        SafeTensors.write(out.resolve("model.safetensors"), new LinkedHashMap<>(trained),
                Map.of("verity.model", onnx.sha256(), "format", "pt"));
        Files.write(out.resolve("model.onnx"), OnnxExport.withInitializers(original, trained));
        System.out.printf("exported %d tensors to %s (model.safetensors, model.onnx)%n", trained.size(), out);
        return 0;
    }
}

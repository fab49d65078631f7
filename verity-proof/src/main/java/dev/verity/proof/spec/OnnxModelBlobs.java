package dev.verity.proof.spec;

import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.io.SafeTensors;
import dev.verity.tensor.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Publishes an ONNX model for tasks ({@code verity model put}): the file under its SHA-256 (the spec's
 * {@code model.blob}), and its initializers as safetensors (the spec's {@code parent}: the weights step 0 starts from,
 * bound to the task by their model root like any fine-tuning parent).
 */
public final class OnnxModelBlobs {
    private OnnxModelBlobs() {
    }

    /** What a spec names: the model blob and the parent's root and blob. */
    public record Published(ModelConfig.Onnx model, String modelBlob, String parentRoot, String parentBlob, int tensors,
                            long values) {
    }

    /** Reads {@code file} through the importer (so an unsupported model fails here, naming the node) and stores it. */
    public static Published put(BlobStore store, Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ModelConfig.Onnx onnx = ModelConfig.Onnx.of(bytes, file.toString());
        String key = store.put(bytes);
        TreeMap<String, Tensor> init = new TreeMap<>(onnx.initialTensors());
        byte[] weights = SafeTensors.toBytes(new LinkedHashMap<>(init), Map.of("verity.model", onnx.sha256()));
        String parentBlob = store.put(weights);
        long values = 0;
        for (Tensor t : init.values()) {
            values += t.size();
        }
        return new Published(onnx, key, Sha256.hex(TaskRun.modelRoot(init)), parentBlob, init.size(), values);
    }
}

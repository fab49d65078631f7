package dev.verity.tensor.model;

import dev.verity.tensor.graph.GraphBuilder;
import dev.verity.tensor.nn.Layers;
import dev.verity.tensor.nn.Params;
import java.util.Arrays;

/**
 * A named, configurable architecture. {@link #logits} appends the forward pass to a graph: from
 * the batch input to logits [rows, classes], one row per label.
 */
public sealed interface ModelConfig permits ModelConfig.Mlp, ModelConfig.LeNet5, ModelConfig.Gpt, ModelConfig.Onnx {

    /** "mlp", "lenet5" or "gpt". */
    String name();

    /** True for token models (input [B, T] of token ids), false for image classifiers (input [B, features]). */
    boolean isText();

    /** Number of classes (vocabulary size for gpt). */
    int classes();

    /** Tokens per training window of a text model (its input [B, T]); a classifier has none. */
    default int context() {
        throw new UnsupportedOperationException(name() + " is not a text model");
    }

    /**
     * Appends the forward pass. {@code x} is [B, features] or [B, T]; {@code step} is the step
     * node (for dropout); returns logits [B, classes] or [B*T, vocab].
     */
    int logits(Params p, int x, int step, long seed, boolean train);

    /** Human-readable summary. */
    String describe();

    /**
     * Model tensors whose initial values the model itself gives (an imported model's weights), by name; empty for
     * the built-in architectures, whose tensors start as their init rules prescribe.
     */
    default java.util.SortedMap<String, dev.verity.tensor.Tensor> initialTensors() {
        return java.util.Collections.emptySortedMap();
    }

    /**
     * Tensors an evaluation graph reads besides the model's own, derived from them ({@code model}: a state's tensors by
     * name); empty for every model but an imported one with BatchNorm (its folded running statistics).
     */
    default java.util.Map<String, dev.verity.tensor.Tensor> evaluationTensors(java.util.Map<String, dev.verity.tensor.Tensor> model) {
        return java.util.Map.of();
    }

    static ModelConfig defaults(String name, int classesOrVocab) {
        return switch (name) {
            case "mlp" -> new Mlp(new int[] {784, 512, 512, classesOrVocab});
            case "lenet5" -> new LeNet5(28, classesOrVocab);
            case "gpt" -> new Gpt(2, 128, 4, 64, classesOrVocab, 0.0f);
            default -> throw new IllegalArgumentException("unknown model '" + name + "' (known: mlp, lenet5, gpt)");
        };
    }

    /** Fully connected ReLU network; the default is 784-512-512-10. */
    record Mlp(int[] sizes) implements ModelConfig {
        public Mlp {
            new Layers.Mlp("mlp", sizes);
            sizes = sizes.clone();
        }

        @Override
        public String name() {
            return "mlp";
        }

        @Override
        public boolean isText() {
            return false;
        }

        @Override
        public int classes() {
            return sizes[sizes.length - 1];
        }

        @Override
        public int logits(Params p, int x, int step, long seed, boolean train) {
            return new Layers.Mlp("mlp", sizes).forward(p, x);
        }

        @Override
        public String describe() {
            return "mlp " + Arrays.toString(sizes).replace(", ", "-").replace("[", "").replace("]", "");
        }
    }

    /**
     * LeNet-5 (ReLU and max-pool variant): conv 6@5x5 pad 2, pool 2, conv 16@5x5, pool 2,
     * fc 120, fc 84, fc classes, on [B, 1, side, side] images.
     */
    record LeNet5(int side, int classes) implements ModelConfig {
        public LeNet5 {
            if (side < 12) {
                throw new IllegalArgumentException("lenet5 needs images of at least 12x12, got " + side);
            }
            if (classes < 2) {
                throw new IllegalArgumentException("lenet5 needs at least 2 classes");
            }
        }

        @Override
        public String name() {
            return "lenet5";
        }

        @Override
        public boolean isText() {
            return false;
        }

        @Override
        public int logits(Params p, int x, int step, long seed, boolean train) {
            GraphBuilder g = p.graph();
            int b = g.shape(x)[0];
            int h = g.reshape(x, b, 1, side, side);
            h = g.maxPool2d(g.relu(new Layers.Conv2d("conv1", 1, 6, 5, 1, 2).forward(p, h)), 2, 2);
            h = g.maxPool2d(g.relu(new Layers.Conv2d("conv2", 6, 16, 5, 1, 0).forward(p, h)), 2, 2);
            int[] s = g.shape(h);
            h = g.reshape(h, b, s[1] * s[2] * s[3]);
            h = g.relu(new Layers.Linear("fc1", s[1] * s[2] * s[3], 120, true).forward(p, h));
            h = g.relu(new Layers.Linear("fc2", 120, 84, true).forward(p, h));
            return new Layers.Linear("fc3", 84, classes, true).forward(p, h);
        }

        @Override
        public String describe() {
            return "lenet5 " + side + "x" + side + " -> " + classes;
        }
    }

    /** Character-level GPT: token + position embeddings, pre-norm blocks, final norm, linear head. */
    record Gpt(int layers, int dModel, int heads, int context, int vocab, float dropout) implements ModelConfig {
        public Gpt {
            if (layers < 1 || layers > 64) {
                throw new IllegalArgumentException("gpt layers must be in [1, 64], got " + layers);
            }
            if (dModel < 1 || heads < 1 || dModel % heads != 0) {
                throw new IllegalArgumentException("gpt d_model " + dModel + " must be a positive multiple of heads " + heads);
            }
            if (context < 2 || context > 4096) {
                throw new IllegalArgumentException("gpt context must be in [2, 4096], got " + context);
            }
            if (vocab < 2) {
                throw new IllegalArgumentException("gpt vocabulary must have at least 2 symbols");
            }
            if (!(dropout >= 0f && dropout < 1f)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
            }
        }

        @Override
        public String name() {
            return "gpt";
        }

        @Override
        public boolean isText() {
            return true;
        }

        @Override
        public int classes() {
            return vocab;
        }

        @Override
        public int logits(Params p, int x, int step, long seed, boolean train) {
            GraphBuilder g = p.graph();
            int[] s = g.shape(x);
            int b = s[0];
            int t = s[1];
            if (t > context) {
                throw new IllegalArgumentException("sequence of " + t + " exceeds the context " + context);
            }
            int tok = new Layers.Embedding("wte", vocab, dModel).forward(p, x);
            int pos = p.get("wpe.weight", dev.verity.tensor.nn.Init.uniform(0.0346f), context, dModel);
            if (t < context) {
                pos = g.slice(pos, 0, 0, t);
            }
            int h = g.add(tok, pos);
            float drop = train ? dropout : 0f;
            for (int l = 0; l < layers; l++) {
                h = new Layers.TransformerBlock("block" + l, dModel, heads, drop).forward(p, h, step, seed, l);
            }
            h = new Layers.LayerNorm("ln_f", dModel, 1e-5f).forward(p, h);
            int logits = new Layers.Linear("head", dModel, vocab, false).forward(p, h);
            return g.reshape(logits, b * t, vocab);
        }

        @Override
        public String describe() {
            return "gpt " + layers + " layers, d_model " + dModel + ", " + heads + " heads, context " + context + ", vocab "
                    + vocab + (dropout > 0 ? ", dropout " + dropout : "");
        }
    }

    /**
     * A model imported from ONNX ({@link dev.verity.tensor.onnx.OnnxImporter}): its forward graph is the file's, its
     * initial weights the file's initializers, under their names. {@code sha256} is the file's hash (its blob key).
     */
    record Onnx(dev.verity.tensor.onnx.OnnxGraph graph, String sha256) implements ModelConfig {
        public Onnx {
            java.util.Objects.requireNonNull(graph, "graph");
            if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("an ONNX model is named by the SHA-256 of its file (64 hex digits)");
            }
            int[] out = graph.output().dims();
            if (out.length < 2 || out[out.length - 1] < 2) {
                throw new dev.verity.tensor.onnx.OnnxImportException(graph.source() + ": output '" + graph.output().name()
                        + "' has shape " + Arrays.toString(out) + "; Verity trains models whose output is logits "
                        + "[batch, classes] or [batch, T, vocab] with a fixed class count");
            }
        }

        /** Reads and checks an ONNX file. */
        public static Onnx read(java.nio.file.Path file) throws java.io.IOException {
            byte[] bytes = java.nio.file.Files.readAllBytes(file);
            return of(bytes, file.toString());
        }

        public static Onnx of(byte[] bytes, String source) {
            try {
                String hex = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
                return new Onnx(dev.verity.tensor.onnx.OnnxGraph.read(bytes, source), hex);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String name() {
            return "onnx";
        }

        /** A token model: integer input [B, T] and logits for every position [B, T, vocab] (next-token training). */
        @Override
        public boolean isText() {
            return graph.input().isInteger() && graph.output().dims().length == 3;
        }

        @Override
        public int classes() {
            int[] out = graph.output().dims();
            return out[out.length - 1];
        }

        @Override
        public int context() {
            int[] in = graph.input().dims();
            if (!isText() || in.length != 2 || in[1] < 2) {
                throw new dev.verity.tensor.onnx.OnnxImportException(graph.source() + ": a token model's input must be "
                        + "[batch, T] with a fixed T >= 2, got " + Arrays.toString(in));
            }
            return in[1];
        }

        @Override
        public int logits(Params p, int x, int step, long seed, boolean train) {
            return dev.verity.tensor.onnx.OnnxImporter.logits(graph, p, x, step, seed, train);
        }

        @Override
        public java.util.SortedMap<String, dev.verity.tensor.Tensor> initialTensors() {
            java.util.TreeMap<String, dev.verity.tensor.Tensor> out = new java.util.TreeMap<>();
            for (var e : graph.initializers().entrySet()) {
                if (e.getValue().isFloat() && e.getValue().shape().length > 0) {
                    out.put(e.getKey(), new dev.verity.tensor.Tensor(e.getValue().shape(), e.getValue().floats().clone()));
                }
            }
            return out;
        }

        @Override
        public java.util.Map<String, dev.verity.tensor.Tensor> evaluationTensors(java.util.Map<String, dev.verity.tensor.Tensor> model) {
            return dev.verity.tensor.onnx.OnnxImporter.evaluationTensors(graph, model);
        }

        @Override
        public String describe() {
            return "onnx " + sha256.substring(0, 12) + " (" + graph.nodes().size() + " nodes, opset " + graph.opset() + ")";
        }
    }
}

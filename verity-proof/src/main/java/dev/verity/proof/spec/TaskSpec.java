package dev.verity.proof.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.merkle.Sha256;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/**
 * A training task: architecture, dataset (by name and root), optional parent model, optimizer,
 * schedule, batch, steps, seed and checkpoint interval. Parsed strictly from JSON (unknown
 * fields, wrong types and absurd sizes are errors that name the field), and written back in one
 * canonical byte form whose SHA-256 is the spec hash.
 */
public record TaskSpec(ModelConfig model, String dataset, String datasetRoot, String parentRoot, String parentBlob,
                       TrainConfig train, int checkpointInterval, DataPrep prep) {
    public static final int VERSION = 1;
    public static final int MAX_STEPS = 1 << 20;
    public static final int MAX_BATCH = 4096;

    /** A spec on a catalog dataset as it ships (no blob, no normalisation, no held-out split). */
    public TaskSpec(ModelConfig model, String dataset, String datasetRoot, String parentRoot, String parentBlob,
                    TrainConfig train, int checkpointInterval) {
        this(model, dataset, datasetRoot, parentRoot, parentBlob, train, checkpointInterval, DataPrep.NONE);
    }

    /**
     * Where a dataset's bytes come from and what is done to them before training, all part of the spec and so of what is
     * proven: the dataset root covers the arrays after these steps.
     *
     * @param blob         the dataset's key in the blob store ({@code verity data put}), or null for a catalog dataset
     * @param mean         per-channel (the first axis of a sample) or single mean subtracted from every feature; empty: none
     * @param std          matching divisors, each positive; {@code x' = (x - mean[c]) / std[c]} in float32
     * @param testFraction share of the samples held out (the last ones, in file order) when the data has no test split
     */
    public record DataPrep(String blob, float[] mean, float[] std, float testFraction) {
        public static final DataPrep NONE = new DataPrep(null, new float[0], new float[0], 0f);
        public static final int MAX_CHANNELS = 4096;

        public DataPrep {
            if (blob != null && !blob.matches("[0-9a-f]{64}")) {
                throw new SpecException("dataset.blob", "must be 64 lowercase hex digits");
            }
            mean = mean.clone();
            std = std.clone();
            if (mean.length != std.length || mean.length > MAX_CHANNELS) {
                throw new SpecException("dataset.normalize", "needs as many std as mean values (at most " + MAX_CHANNELS
                        + "), got " + mean.length + " and " + std.length);
            }
            for (int i = 0; i < std.length; i++) {
                if (!Float.isFinite(mean[i]) || !(std[i] > 0) || !Float.isFinite(std[i])) {
                    throw new SpecException("dataset.normalize", "mean must be finite and std positive and finite; channel "
                            + i + " has mean " + mean[i] + ", std " + std[i]);
                }
            }
            if (!(testFraction >= 0 && testFraction <= 0.5f)) {
                throw new SpecException("dataset.testFraction", "must be in [0, 0.5], got " + testFraction);
            }
        }

        public boolean normalizes() {
            return mean.length > 0;
        }

        public boolean isNone() {
            return blob == null && mean.length == 0 && testFraction == 0f;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DataPrep d && java.util.Objects.equals(blob, d.blob) && java.util.Arrays.equals(mean, d.mean)
                    && java.util.Arrays.equals(std, d.std) && Float.compare(testFraction, d.testFraction) == 0;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(blob, java.util.Arrays.hashCode(mean), java.util.Arrays.hashCode(std), testFraction);
        }
    }

    public TaskSpec {
        java.util.Objects.requireNonNull(prep, "prep (DataPrep.NONE for a catalog dataset as it ships)");
        if (checkpointInterval < 1 || checkpointInterval > Math.max(1, train.steps())) {
            throw new SpecException("checkpointInterval", "must be in [1, steps], got " + checkpointInterval);
        }
        if (train.steps() < 1 || train.steps() > MAX_STEPS) {
            throw new SpecException("steps", "must be in [1, " + MAX_STEPS + "], got " + train.steps());
        }
        if (train.batch() > MAX_BATCH) {
            throw new SpecException("batch", "must be at most " + MAX_BATCH + ", got " + train.batch());
        }
        if ((parentRoot == null) != (parentBlob == null)) {
            throw new SpecException("parent", "needs both root and blob");
        }
        if (model instanceof ModelConfig.Onnx && parentRoot == null) {
            throw new SpecException("parent", "an ONNX model starts from its initializers: name them as the parent "
                    + "model (verity model put FILE.onnx prints the root and blob)");
        }
    }

    /** Thrown for an invalid spec; the message names the field. */
    public static final class SpecException extends IllegalArgumentException {
        private final String field;

        public SpecException(String field, String message) {
            super("task spec: " + field + ": " + message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    // ---- parsing -----------------------------------------------------------------------------

    /** Where an ONNX model named by a spec comes from: the file's bytes by their SHA-256 (a blob store). */
    @FunctionalInterface
    public interface ModelFiles {
        byte[] get(String sha256) throws java.io.IOException;

        /** For specs read where no blob store is at hand: an ONNX model is an error that says so. */
        ModelFiles NONE = key -> {
            throw new SpecException("model.blob", "an ONNX model is read from a blob store, and none was given");
        };
    }

    public static TaskSpec parse(String json) {
        return parse(json, ModelFiles.NONE);
    }

    /** Parses a spec, reading an ONNX model it names from {@code models} (checked against its hash). */
    public static TaskSpec parse(String json, ModelFiles models) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (Exception e) {
            throw new SpecException("(document)", "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new SpecException("(document)", "must be a JSON object");
        }
        only(root, "", Set.of("version", "model", "dataset", "parent", "optimizer", "schedule", "batch", "steps", "seed",
                "checkpointInterval", "clipNorm"));
        int version = integer(root, "version", 1, 1000);
        if (version != VERSION) {
            throw new SpecException("version", "this Verity reads version " + VERSION + ", got " + version);
        }
        ModelConfig model = model(object(root, "model"), models);
        JsonNode ds = object(root, "dataset");
        only(ds, "dataset.", Set.of("name", "root", "blob", "normalize", "testFraction"));
        String dsName = string(ds, "dataset.name", "name");
        String dsRoot = hash(ds, "dataset.root", "root");
        DataPrep prep = dataPrep(ds);
        String parentRoot = null;
        String parentBlob = null;
        if (root.has("parent") && !root.get("parent").isNull()) {
            JsonNode p = object(root, "parent");
            only(p, "parent.", Set.of("root", "blob"));
            parentRoot = hash(p, "parent.root", "root");
            parentBlob = hash(p, "parent.blob", "blob");
        }
        int steps = integer(root, "steps", 1, MAX_STEPS);
        int batch = integer(root, "batch", 1, MAX_BATCH);
        long seed = longValue(root, "seed");
        float clip = root.has("clipNorm") ? number(root, "clipNorm", "clipNorm", 0, 1e6) : 0f;
        TrainConfig.Optimizer opt = optimizer(object(root, "optimizer"));
        TrainConfig.Schedule sched = schedule(object(root, "schedule"), steps);
        int c = integer(root, "checkpointInterval", 1, MAX_STEPS);
        TrainConfig train;
        try {
            train = new TrainConfig(batch, steps, seed, opt, sched, clip);
        } catch (IllegalArgumentException e) {
            throw new SpecException("(training)", e.getMessage());
        }
        return new TaskSpec(model, dsName, dsRoot, parentRoot, parentBlob, train, c, prep);
    }

    /** Parses a spec, reading an ONNX model it names from {@code store}. */
    public static TaskSpec parse(String json, dev.verity.proof.store.BlobStore store) {
        return parse(json, (ModelFiles) store::get);
    }

    private static DataPrep dataPrep(JsonNode ds) {
        String blob = ds.has("blob") ? hash(ds, "dataset.blob", "blob") : null;
        float[] mean = new float[0];
        float[] std = new float[0];
        if (ds.has("normalize")) {
            JsonNode n = object(ds, "normalize");
            only(n, "dataset.normalize.", Set.of("mean", "std"));
            mean = floats(n, "mean", "dataset.normalize.mean");
            std = floats(n, "std", "dataset.normalize.std");
        }
        float test = ds.has("testFraction") ? number(ds, "dataset.testFraction", "testFraction", 0, 0.5) : 0f;
        return new DataPrep(blob, mean, std, test);
    }

    private static float[] floats(JsonNode o, String field, String path) {
        JsonNode a = o.get(field);
        if (a == null || !a.isArray() || a.isEmpty() || a.size() > DataPrep.MAX_CHANNELS) {
            throw new SpecException(path, "must be an array of 1 to " + DataPrep.MAX_CHANNELS + " numbers");
        }
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            if (!a.get(i).isNumber()) {
                throw new SpecException(path + "[" + i + "]", "must be a number");
            }
            f[i] = (float) a.get(i).asDouble();
        }
        return f;
    }

    private static ModelConfig model(JsonNode m, ModelFiles models) {
        String arch = string(m, "model.arch", "arch");
        try {
            return switch (arch) {
                case "onnx" -> {
                    only(m, "model.", Set.of("arch", "blob"));
                    yield onnx(hash(m, "model.blob", "blob"), models);
                }
                case "mlp" -> {
                    only(m, "model.", Set.of("arch", "sizes"));
                    JsonNode s = m.get("sizes");
                    if (s == null || !s.isArray() || s.size() < 2 || s.size() > 16) {
                        throw new SpecException("model.sizes", "must be an array of 2 to 16 layer sizes");
                    }
                    int[] sizes = new int[s.size()];
                    for (int i = 0; i < sizes.length; i++) {
                        if (!s.get(i).canConvertToInt() || !s.get(i).isIntegralNumber() || s.get(i).asInt() < 1
                                || s.get(i).asInt() > 65536) {
                            throw new SpecException("model.sizes[" + i + "]", "must be an integer in [1, 65536]");
                        }
                        sizes[i] = s.get(i).asInt();
                    }
                    yield new ModelConfig.Mlp(sizes);
                }
                case "lenet5" -> {
                    only(m, "model.", Set.of("arch", "side", "classes"));
                    yield new ModelConfig.LeNet5(integer(m, "side", 12, 1024, "model.side"),
                            integer(m, "classes", 2, 100000, "model.classes"));
                }
                case "gpt" -> {
                    only(m, "model.", Set.of("arch", "layers", "dModel", "heads", "context", "vocab", "dropout"));
                    yield new ModelConfig.Gpt(integer(m, "layers", 1, 64, "model.layers"),
                            integer(m, "dModel", 1, 8192, "model.dModel"), integer(m, "heads", 1, 256, "model.heads"),
                            integer(m, "context", 2, 4096, "model.context"), integer(m, "vocab", 2, 1 << 20, "model.vocab"),
                            m.has("dropout") ? number(m, "model.dropout", "dropout", 0, 0.99) : 0f);
                }
                default -> throw new SpecException("model.arch", "unknown architecture '" + arch
                        + "' (known: mlp, lenet5, gpt, onnx)");
            };
        } catch (SpecException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new SpecException("model", e.getMessage());
        }
    }

    private static ModelConfig onnx(String key, ModelFiles models) {
        byte[] bytes;
        try {
            bytes = models.get(key);
        } catch (java.io.IOException e) {
            throw new SpecException("model.blob", "cannot read ONNX model " + key + ": " + e.getMessage());
        }
        ModelConfig.Onnx o = ModelConfig.Onnx.of(bytes, "blob " + key);
        if (!o.sha256().equals(key)) {
            throw new SpecException("model.blob", "the blob read for " + key + " hashes to " + o.sha256());
        }
        return o;
    }

    private static TrainConfig.Optimizer optimizer(JsonNode o) {
        String kind = string(o, "optimizer.kind", "kind");
        try {
            return switch (kind) {
                case "sgd" -> {
                    only(o, "optimizer.", Set.of("kind", "momentum", "weightDecay"));
                    yield new TrainConfig.Optimizer.Sgd(number(o, "optimizer.momentum", "momentum", 0, 1),
                            o.has("weightDecay") ? number(o, "optimizer.weightDecay", "weightDecay", 0, 1) : 0f);
                }
                case "adamw" -> {
                    only(o, "optimizer.", Set.of("kind", "beta1", "beta2", "eps", "weightDecay"));
                    yield new TrainConfig.Optimizer.AdamW(number(o, "optimizer.beta1", "beta1", 0, 1),
                            number(o, "optimizer.beta2", "beta2", 0, 1), number(o, "optimizer.eps", "eps", 0, 1),
                            number(o, "optimizer.weightDecay", "weightDecay", 0, 1));
                }
                default -> throw new SpecException("optimizer.kind", "unknown optimizer '" + kind + "' (known: sgd, adamw)");
            };
        } catch (SpecException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new SpecException("optimizer", e.getMessage());
        }
    }

    private static TrainConfig.Schedule schedule(JsonNode s, int steps) {
        only(s, "schedule.", Set.of("kind", "lr", "warmup", "stepSize", "gamma", "minLr"));
        String kind = string(s, "schedule.kind", "kind");
        try {
            return new TrainConfig.Schedule(kind, number(s, "schedule.lr", "lr", 0, 100),
                    s.has("warmup") ? integer(s, "warmup", 0, MAX_STEPS, "schedule.warmup") : 0, steps,
                    s.has("stepSize") ? integer(s, "stepSize", 1, MAX_STEPS, "schedule.stepSize") : 1,
                    s.has("gamma") ? number(s, "schedule.gamma", "gamma", 0, 1) : 1f,
                    s.has("minLr") ? number(s, "schedule.minLr", "minLr", 0, 100) : 0f);
        } catch (IllegalArgumentException e) {
            throw new SpecException("schedule", e.getMessage());
        }
    }

    private static void only(JsonNode o, String prefix, Set<String> allowed) {
        Iterator<String> it = o.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new SpecException(prefix + f, "unknown field (allowed: " + new TreeSet<>(allowed) + ")");
            }
        }
    }

    private static JsonNode object(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            throw new SpecException(field, "is required");
        }
        if (!v.isObject()) {
            throw new SpecException(field, "must be an object");
        }
        return v;
    }

    private static String string(JsonNode o, String path, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty() || v.asText().length() > 200) {
            throw new SpecException(path, "must be a non-empty string");
        }
        return v.asText();
    }

    private static String hash(JsonNode o, String path, String field) {
        String s = string(o, path, field);
        if (!s.matches("[0-9a-f]{64}")) {
            throw new SpecException(path, "must be 64 lowercase hex digits");
        }
        return s;
    }

    private static int integer(JsonNode o, String field, int min, int max) {
        return integer(o, field, min, max, field);
    }

    private static int integer(JsonNode o, String field, int min, int max, String path) {
        JsonNode v = o.get(field);
        if (v == null) {
            throw new SpecException(path, "is required");
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw new SpecException(path, "must be an integer in [" + min + ", " + max + "], got " + v);
        }
        return (int) v.asLong();
    }

    private static long longValue(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new SpecException(field, "must be a 64-bit integer");
        }
        return v.asLong();
    }

    private static float number(JsonNode o, String path, String field, double min, double max) {
        JsonNode v = o.get(field);
        if (v == null || !v.isNumber()) {
            throw new SpecException(path, "must be a number");
        }
        double d = v.asDouble();
        if (!(d >= min && d <= max)) {
            throw new SpecException(path, "must be in [" + min + ", " + max + "], got " + v);
        }
        return (float) d;
    }

    // ---- canonical form ----------------------------------------------------------------------

    /** The canonical JSON: keys sorted, no whitespace, floats as their shortest float32 decimal. */
    public String canonicalJson() {
        ObjectNode r = JSON.createObjectNode();
        r.put("version", VERSION);
        ObjectNode m = r.putObject("model");
        switch (model) {
            case ModelConfig.Mlp mlp -> {
                m.put("arch", "mlp");
                var a = m.putArray("sizes");
                for (int s : mlp.sizes()) {
                    a.add(s);
                }
            }
            case ModelConfig.LeNet5 l -> m.put("arch", "lenet5").put("side", l.side()).put("classes", l.classes());
            case ModelConfig.Gpt g -> m.put("arch", "gpt").put("layers", g.layers()).put("dModel", g.dModel())
                    .put("heads", g.heads()).put("context", g.context()).put("vocab", g.vocab()).put("dropout", g.dropout());
            case ModelConfig.Onnx o -> m.put("arch", "onnx").put("blob", o.sha256());
        }
        putDataset(r.putObject("dataset"), dataset, datasetRoot, prep);
        if (parentRoot != null) {
            r.putObject("parent").put("root", parentRoot).put("blob", parentBlob);
        }
        ObjectNode o = r.putObject("optimizer");
        switch (train.optimizer()) {
            case TrainConfig.Optimizer.Sgd s -> o.put("kind", "sgd").put("momentum", s.momentum()).put("weightDecay", s.weightDecay());
            case TrainConfig.Optimizer.AdamW a -> o.put("kind", "adamw").put("beta1", a.beta1()).put("beta2", a.beta2())
                    .put("eps", a.eps()).put("weightDecay", a.weightDecay());
        }
        TrainConfig.Schedule s = train.schedule();
        r.putObject("schedule").put("kind", s.kind()).put("lr", s.lr()).put("warmup", s.warmup()).put("stepSize", s.stepSize())
                .put("gamma", s.gamma()).put("minLr", s.minLr());
        r.put("batch", train.batch()).put("steps", train.steps()).put("seed", train.seed())
                .put("checkpointInterval", checkpointInterval).put("clipNorm", train.clipNorm());
        try {
            return JSON.writeValueAsString(JSON.treeToValue(r, Object.class));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putDataset(ObjectNode d, String name, String root, DataPrep prep) {
        d.put("name", name).put("root", root);
        if (prep.blob() != null) {
            d.put("blob", prep.blob());
        }
        if (prep.normalizes()) {
            ObjectNode n = d.putObject("normalize");
            var mean = n.putArray("mean");
            var std = n.putArray("std");
            for (int i = 0; i < prep.mean().length; i++) {
                mean.add(prep.mean()[i]);
                std.add(prep.std()[i]);
            }
        }
        if (prep.testFraction() != 0f) {
            d.put("testFraction", prep.testFraction());
        }
    }

    /** A spec's {@code dataset} object in canonical form (what {@code verity data put} prints for a spec to hold). */
    public static String datasetJson(String name, String root, DataPrep prep) {
        ObjectNode d = JSON.createObjectNode();
        putDataset(d, name, root, prep);
        try {
            return JSON.writeValueAsString(JSON.treeToValue(d, Object.class));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] canonicalBytes() {
        return canonicalJson().getBytes(StandardCharsets.UTF_8);
    }

    /** SHA-256 of the canonical bytes: the task's identity. */
    public byte[] hash() {
        return Sha256.hash(canonicalBytes());
    }

    public String hashHex() {
        return Sha256.hex(hash());
    }

    /** Number of checkpoints after the initial state: ceil(steps / c). */
    public int segments() {
        return (train.steps() + checkpointInterval - 1) / checkpointInterval;
    }

    /** The step count at checkpoint {@code i} (0 = initial state; the last is the final state). */
    public long checkpointStep(int i) {
        return Math.min((long) i * checkpointInterval, train.steps());
    }

    /** A spec with Verity's defaults for a model, for the given dataset name and root. */
    public static TaskSpec defaults(ModelConfig model, String dataset, String datasetRoot, int steps, long seed, int c) {
        return new TaskSpec(model, dataset, datasetRoot, null, null, TrainConfig.defaults(model.name(), steps, seed), c);
    }
}

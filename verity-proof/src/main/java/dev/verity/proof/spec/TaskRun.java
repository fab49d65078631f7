package dev.verity.proof.spec;

import dev.verity.proof.commit.Commitments;
import dev.verity.proof.commit.StateCommitment;
import dev.verity.merkle.MerkleTree;
import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.graph.Graph;
import dev.verity.tensor.graph.Node;
import dev.verity.tensor.io.SafeTensors;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.StepGraphs;
import dev.verity.tensor.train.Trainer;
import dev.verity.tensor.train.TrainingState;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * A task ready to train or verify: the spec, its data (checked against the dataset root), the
 * trainer running its graph, and the roots every party computes the same way.
 */
public final class TaskRun {
    /** At most this many parameters, activation bytes and FLOPs: a valid spec cannot exhaust a solver. */
    public static final long MAX_PARAMS = 100_000_000L;
    public static final long MAX_ACTIVATION_BYTES = 8L << 30;
    public static final double MAX_TOTAL_FLOPS = 1e17;
    /** One work unit is a million floating-point operations of the step graph (as gas is to opcodes). */
    public static final long FLOPS_PER_WORK_UNIT = 1_000_000L;

    private final TaskSpec spec;
    private final DatasetCatalog.TaskData data;
    private final Trainer trainer;
    private final MerkleTree graphTree;
    private final byte[] datasetRoot;
    private final BlobStore store;
    private final TreeMap<String, byte[]> dataArrayRoots = new TreeMap<>();

    private TaskRun(TaskSpec spec, DatasetCatalog.TaskData data, Trainer trainer, BlobStore store) {
        this.spec = spec;
        this.store = store;
        this.data = data;
        this.trainer = trainer;
        this.graphTree = Commitments.graphTree(trainer.trainingStep().graph());
        this.datasetRoot = datasetRoot(trainer);
    }

    /** Resolves a catalog dataset, checks its root, the model against it, and the spec's size limits. */
    public static TaskRun open(TaskSpec spec) throws IOException {
        return open(spec, null);
    }

    /**
     * Resolves the data (a published dataset from {@code store}, which may be null for a catalog one), checks its root,
     * the model against it, and the spec's size limits.
     */
    public static TaskRun open(TaskSpec spec, BlobStore store) throws IOException {
        DatasetCatalog.TaskData data = DatasetCatalog.resolve(spec, store);
        Trainer t;
        try {
            if (data.isText()) {
                int vocab = data.corpus().vocabSize();
                boolean fits = spec.model() instanceof ModelConfig.Gpt g ? g.vocab() == vocab
                        : spec.model().isText() && spec.model().classes() >= vocab;
                if (!fits) {
                    throw new TaskSpec.SpecException("model", "a text task needs a token model whose vocabulary holds the "
                            + "text's " + vocab + " symbols (a gpt's vocab exactly)");
                }
                t = Trainer.text(spec.model(), spec.train(), data.corpus());
            } else {
                if (spec.model().isText()) {
                    throw new TaskSpec.SpecException("model", spec.model().name() + " cannot train on images");
                }
                t = Trainer.images(spec.model(), spec.train(), data.train());
            }
        } catch (TaskSpec.SpecException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new TaskSpec.SpecException("model", e.getMessage());
        }
        TaskRun run = new TaskRun(spec, data, t, store);
        run.checkLimits();
        String actual = Sha256.hex(run.datasetRoot);
        if (!actual.equals(spec.datasetRoot())) {
            throw new TaskSpec.SpecException("dataset.root", "the data named '" + spec.dataset() + "' has root " + actual
                    + ", the spec says " + spec.datasetRoot());
        }
        return run;
    }

    private void checkLimits() {
        Graph g = trainer.trainingStep().graph();
        long params = trainer.trainingStep().paramCount();
        if (params > MAX_PARAMS) {
            throw new TaskSpec.SpecException("model", params + " parameters exceed the limit of " + MAX_PARAMS);
        }
        long bytes = 0;
        for (Node n : g.nodes()) {
            bytes += 4 * n.numel();
        }
        if (bytes > MAX_ACTIVATION_BYTES) {
            throw new TaskSpec.SpecException("batch", "one step needs " + (bytes >> 20) + " MiB of buffers, over the limit of "
                    + (MAX_ACTIVATION_BYTES >> 20) + " MiB");
        }
        double total = (double) g.flops() * spec.train().steps();
        if (total > MAX_TOTAL_FLOPS) {
            throw new TaskSpec.SpecException("steps", String.format("%.3g FLOPs in all exceed the limit of %.3g", total,
                    MAX_TOTAL_FLOPS));
        }
    }

    /**
     * The dataset root of data as a task trains on it (after the spec's normalisation and split), without a model: the
     * arrays {@link Trainer#images} and {@link Trainer#text} take from it. {@code verity data put} prints it.
     */
    public static byte[] datasetRootOf(DatasetCatalog.TaskData data) {
        var arrays = data.isText() ? Trainer.dataArrays(data.corpus()) : Trainer.dataArrays(data.train());
        return Commitments.namedTree(Commitments.DATASET_ARRAY, arrays).root();
    }

    /** The dataset root of a trainer's data: records 0x30 of its input arrays, in name order. */
    public static byte[] datasetRoot(Trainer t) {
        return Commitments.namedTree(Commitments.DATASET_ARRAY, datasetArrays(t)).root();
    }

    private static TreeMap<String, Tensor> datasetArrays(Trainer t) {
        TreeMap<String, Tensor> arrays = new TreeMap<>(t.inputs());
        arrays.remove(StepGraphs.STEP);
        return arrays;
    }

    /**
     * The tensor root of the trainer's data input {@code name} (a dataset array, not the step counter), hashed on first
     * use and then kept: every traced step has an op-trace entry for each data input, which for a small model is most
     * of what a trace hashes, and a step never writes its inputs. (A run's data arrays are not to be changed once it
     * is open: they are what its dataset root was checked against.)
     */
    public synchronized byte[] dataArrayRoot(String name) {
        Tensor t = trainer.inputs().get(name);
        if (t == null || name.equals(StepGraphs.STEP)) {
            throw new IllegalArgumentException("the task has no dataset array '" + name + "'");
        }
        return dataArrayRoots.computeIfAbsent(name, n -> Commitments.tensorRoot(t.data())).clone();
    }

    /** The 0x30 record of dataset array {@code name} with its proof against {@link #datasetRoot()} (a dataset source claim). */
    public StateCommitment.Proven datasetRecord(String name) {
        TreeMap<String, Tensor> arrays = datasetArrays(trainer);
        Tensor t = arrays.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the dataset has no array '" + name + "' (it has " + arrays.keySet() + ")");
        }
        MerkleTree tree = Commitments.namedTree(Commitments.DATASET_ARRAY, arrays);
        int i = new java.util.ArrayList<>(arrays.keySet()).indexOf(name);
        return new StateCommitment.Proven(Commitments.namedTensorRecord(Commitments.DATASET_ARRAY, name, t.shape(),
                Commitments.tensorRoot(t.data())), tree.proof(i));
    }

    /** The dataset root a spec must carry for a named dataset and model (computed by the submitter). */
    public static String datasetRootFor(String dataset, ModelConfig model, int batch) throws IOException {
        DatasetCatalog.TaskData d = DatasetCatalog.resolve(dataset);
        Trainer t = d.isText() ? Trainer.text(model, dev.verity.tensor.train.TrainConfig.defaults("gpt", 1, 0).withBatch(batch), d.corpus())
                : Trainer.images(model, dev.verity.tensor.train.TrainConfig.defaults(model.name(), 1, 0).withBatch(batch), d.train());
        return Sha256.hex(datasetRoot(t));
    }

    public TaskSpec spec() {
        return spec;
    }

    /** Another spec opened from the same blob store as this run (a variant of the task, as a cheat trains). */
    public TaskRun reopen(TaskSpec other) throws IOException {
        return open(other, store);
    }

    public DatasetCatalog.TaskData data() {
        return data;
    }

    public Trainer trainer() {
        return trainer;
    }

    public Graph graph() {
        return trainer.trainingStep().graph();
    }

    public MerkleTree graphTree() {
        return graphTree;
    }

    public byte[] graphRoot() {
        return graphTree.root();
    }

    public byte[] datasetRoot() {
        return datasetRoot.clone();
    }

    /** Work units of the whole task: the step graph's FLOPs times steps, in millions, rounded up. */
    public long workUnits() {
        return Math.ceilDiv(Math.multiplyExact(graph().flops(), (long) spec.train().steps()), FLOPS_PER_WORK_UNIT);
    }

    /** The state before step 0: from the seed, or the parent model's weights (fine-tuning). */
    public TrainingState initialState(BlobStore store) throws IOException {
        TrainingState s = trainer.initialState();
        if (spec.parentRoot() == null) {
            return s;
        }
        byte[] bytes = store.get(spec.parentBlob());
        SafeTensors.Contents c = SafeTensors.fromBytes(bytes);
        String root = Sha256.hex(modelRoot(new TreeMap<>(c.tensors())));
        if (!root.equals(spec.parentRoot())) {
            throw new IOException("parent model blob has model root " + root + ", the spec says " + spec.parentRoot());
        }
        for (var e : trainer.trainingStep().modelTensors().entrySet()) {
            Tensor p = c.tensors().get(e.getKey());
            if (p == null || !java.util.Arrays.equals(p.shape(), e.getValue().shape())) {
                throw new IOException("parent model has no tensor '" + e.getKey() + "' of shape "
                        + java.util.Arrays.toString(e.getValue().shape()));
            }
            System.arraycopy(p.data(), 0, s.tensors().get(e.getKey()).data(), 0, p.size());
        }
        return s;
    }

    /** The model root: records 0x20 of the parameters only (no optimizer state), in name order. */
    /**
     * The init root: the state root of checkpoint 0 ({@link #initialState}), which the task posts and the game holds the
     * solver's trace entry 0 to. A function of the spec (and the parent's weights), as the graph root is.
     */
    public byte[] initRoot(BlobStore store) throws IOException {
        return StateCommitment.rootOf(initialState(store));
    }

    public static byte[] modelRoot(TreeMap<String, Tensor> params) {
        return Commitments.namedTree(Commitments.STATE_TENSOR, params).root();
    }

    /** The model tensors of a training state: the parameters and the buffers (BatchNorm's running statistics), no optimizer state. */
    public TreeMap<String, Tensor> params(TrainingState s) {
        TreeMap<String, Tensor> p = new TreeMap<>();
        for (String name : trainer.trainingStep().modelTensors().keySet()) {
            p.put(name, s.tensors().get(name));
        }
        return p;
    }

    public Map<String, String> identity() {
        TreeMap<String, String> m = new TreeMap<>(trainer.identity());
        m.put("verity.task", spec.hashHex());
        return m;
    }

}

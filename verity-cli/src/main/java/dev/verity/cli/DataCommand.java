package dev.verity.cli;

import dev.verity.node.blob.BlobStores;
import dev.verity.merkle.Sha256;
import dev.verity.proof.spec.DatasetBlobs;
import dev.verity.proof.spec.DatasetCatalog;
import dev.verity.proof.spec.TaskRun;
import dev.verity.proof.spec.TaskSpec;
import dev.verity.proof.store.BlobStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verity data put}: a user's dataset into the blob store, for task specs to name. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Publish your own dataset for tasks (docs/data.md).",
        subcommands = {DataCommand.Put.class})
public final class DataCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What a task does to the data before training: part of the spec, so part of what is proven. */
    static final class Prep {
        @Option(names = "--normalize", paramLabel = "MEAN:STD", split = ",",
                description = "x' = (x - MEAN) / STD, one pair for every feature or one per channel (the first axis of a "
                        + "sample), e.g. 0.286:0.353 or 0.485:0.229,0.456:0.224,0.406:0.225")
        List<String> normalize;

        @Option(names = "--test-fraction", paramLabel = "F", defaultValue = "0",
                description = "hold out the last F of the samples (0 to 0.5) when the data has no test split")
        float testFraction;

        TaskSpec.DataPrep of(String blob) {
            int n = normalize == null ? 0 : normalize.size();
            float[] mean = new float[n];
            float[] std = new float[n];
            for (int i = 0; i < n; i++) {
                String[] p = normalize.get(i).split(":");
                try {
                    if (p.length != 2) {
                        throw new NumberFormatException();
                    }
                    mean[i] = Float.parseFloat(p[0].strip());
                    std[i] = Float.parseFloat(p[1].strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--normalize: '" + normalize.get(i) + "' is not MEAN:STD (e.g. 0.286:0.353)");
                }
            }
            return new TaskSpec.DataPrep(blob, mean, std, testFraction);
        }
    }

    /** How to read the file: as labelled data or as a corpus, and the class count. */
    static final class Kind {
        @Option(names = "--text", description = "a corpus for a token model (UTF-8 text, raw or gzipped, or token ids in "
                + ".npy/.npz), not labelled data")
        boolean text;

        @Option(names = "--classes", paramLabel = "N", defaultValue = "0",
                description = "number of classes (default: the largest label plus one)")
        int classes;
    }

    /** A published dataset with its spec entry: what {@code data put} prints and {@code task spec} writes. */
    record Entry(DatasetBlobs.Published published, String name, TaskSpec.DataPrep prep, String root,
                 DatasetCatalog.TaskData prepared) {
    }

    static Entry publish(BlobStore store, Path file, Kind kind, Prep prep) throws Exception {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no such file or folder: " + file);
        }
        if (kind.classes < 0) {
            throw new IllegalArgumentException("--classes must be positive");
        }
        DatasetBlobs.Published p = DatasetBlobs.put(store, file, kind.text, kind.classes);
        TaskSpec.DataPrep dp = prep.of(p.key());
        DatasetCatalog.TaskData data = DatasetCatalog.prepare(p.data(), dp);
        String name = file.getFileName().toString().replaceFirst("\\.[A-Za-z0-9.]+$", "");
        return new Entry(p, name.isEmpty() ? "data" : name, dp, Sha256.hex(TaskRun.datasetRootOf(data)), data);
    }

    /** An ONNX model and a dataset published together for one task (`task spec`, `train --prove` on a model file). */
    record Imported(dev.verity.proof.spec.OnnxModelBlobs.Published model, Entry data) {
        /** The task on them: the model's initializers as the parent, the data and its steps as published. */
        TaskSpec spec(dev.verity.tensor.train.TrainConfig train, int checkpointInterval) {
            return new TaskSpec(model.model(), data.name(), data.root(), model.parentRoot(), model.parentBlob(), train,
                    checkpointInterval, data.prep());
        }
    }

    /** Publishes the model, then the data read as the model needs it (a corpus for a token model). */
    static Imported publishImported(BlobStore store, Path model, Path data, int classes, Prep prep) throws Exception {
        var m = dev.verity.proof.spec.OnnxModelBlobs.put(store, model);
        Kind kind = new Kind();
        kind.text = m.model().isText();
        kind.classes = classes;
        return new Imported(m, publish(store, data, kind, prep));
    }

    static String describe(Entry e) {
        DatasetCatalog.TaskData d = e.prepared();
        String what = d.isText()
                ? String.format(Locale.ROOT, "corpus of %,d tokens, vocabulary %d", d.corpus().size(), d.corpus().vocabSize())
                : String.format(Locale.ROOT, "%,d train / %s test samples of shape %s, %d classes", d.train().size(),
                        d.test() == null ? "no" : String.format(Locale.ROOT, "%,d", d.test().size()),
                        Arrays.toString(d.train().sampleShape()), d.train().numClasses());
        return String.format(Locale.ROOT, "dataset %s: %s; %,d bytes in %d chunk%s", e.name(), what, e.published().bytes(),
                e.published().chunks(), e.published().chunks() == 1 ? "" : "s");
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = {"Read a dataset file (as `verity train --data` does), store it in the blob store in chunks, and print "
                    + "its key, its dataset root and the \"dataset\" entry of a task spec.",
                    "Labelled data: " + dev.verity.tensor.data.DataFiles.SUPPORTED + ". With --text: a corpus.",
                    "The root covers the data after --normalize and --test-fraction, which the entry records."})
    static final class Put implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "the dataset file or folder")
        Path file;

        @Option(names = "--store", required = true, paramLabel = "URI", description = BlobCommand.STORE_HELP)
        String store;

        @Mixin
        Kind kind;

        @Mixin
        Prep prep;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            BlobStore s = BlobStores.open(store);
            try {
                Entry e = publish(s, file, kind, prep);
                PrintWriter out = cmd.commandLine().getOut();
                out.println(describe(e));
                out.println("key:  " + e.published().key());
                out.println("root: " + e.root());
                out.println("spec: \"dataset\": " + datasetJson(e));
                out.flush();
            } finally {
                BlobStores.close(s);
            }
            return 0;
        }
    }

    /** The spec's {@code dataset} object for a published entry, in the canonical form. */
    static String datasetJson(Entry e) {
        return TaskSpec.datasetJson(e.name(), e.root(), e.prep());
    }
}

package dev.verity.proof.spec;

import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import dev.verity.proof.store.BlobStore;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Datasets a task can name. A name is a shipped dataset, optionally cut to its first N training
 * samples (or characters): {@code fashion-mnist}, {@code fashion-mnist:2000}, {@code kjv},
 * {@code kjv:60000}. The spec also carries the dataset root, so a solver with different bytes
 * under the same name is refused before it trains. A published dataset ({@link DatasetBlobs}) is named by its key
 * in the blob store instead, and a spec may normalise and split either kind ({@link TaskSpec.DataPrep}).
 */
public final class DatasetCatalog {
    private DatasetCatalog() {
    }

    /** Training data of a task: images (with a test split for evaluation) or a text corpus. */
    public record TaskData(Dataset train, Dataset test, TextCorpus corpus) {
        public boolean isText() {
            return corpus != null;
        }
    }

    /**
     * The data of a spec: a catalog dataset by name, or a published one from {@code store} by its key (checked chunk by
     * chunk), then normalised and split as the spec says. {@code store} may be null for a catalog dataset.
     */
    public static TaskData resolve(TaskSpec spec, BlobStore store) throws IOException {
        TaskSpec.DataPrep prep = spec.prep();
        TaskData raw;
        if (prep.blob() == null) {
            raw = resolve(spec.dataset());
        } else if (store == null) {
            throw new TaskSpec.SpecException("dataset.blob", "a published dataset is read from a blob store, and none was given");
        } else {
            raw = published(store, prep.blob());
        }
        return prepare(raw, prep);
    }

    /** A few recently read published datasets: every role opens a task's run several times. */
    private static final Map<String, TaskData> RECENT = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TaskData> e) {
            return size() > 4;
        }
    };

    private static TaskData published(BlobStore store, String key) throws IOException {
        synchronized (RECENT) {
            TaskData d = RECENT.get(key);
            if (d != null) {
                return d;
            }
        }
        TaskData d = DatasetBlobs.read(store, key); // a dataset's bytes are its key's: whichever store gave them
        synchronized (RECENT) {
            RECENT.put(key, d);
        }
        return d;
    }

    /** Applies a spec's data steps: the held-out split, then the normalisation of both splits. */
    public static TaskData prepare(TaskData raw, TaskSpec.DataPrep prep) {
        if (raw.isText()) {
            if (prep.normalizes() || prep.testFraction() != 0f) {
                throw new TaskSpec.SpecException(prep.normalizes() ? "dataset.normalize" : "dataset.testFraction",
                        "applies to labelled data, not to a text corpus (a corpus keeps its last tenth for validation)");
            }
            return raw;
        }
        Dataset train = raw.train();
        Dataset test = raw.test();
        if (prep.testFraction() != 0f) { // held out of the training samples; it replaces a test split the data has
            int held = Math.round(prep.testFraction() * train.size());
            if (held < 1 || held >= train.size()) {
                throw new TaskSpec.SpecException("dataset.testFraction", prep.testFraction() + " of " + train.size()
                        + " samples holds out " + held + "; it must leave at least one sample on each side");
            }
            test = train.slice(train.size() - held, train.size());
            train = train.slice(0, train.size() - held);
        }
        if (prep.normalizes()) {
            train = normalize(train, prep);
            test = test == null ? null : normalize(test, prep);
        }
        return new TaskData(train, test, null);
    }

    /** {@code (x - mean[c]) / std[c]} in float32, c the sample's first axis (or one value for all features). */
    static Dataset normalize(Dataset d, TaskSpec.DataPrep prep) {
        int n = prep.mean().length;
        int[] shape = d.sampleShape();
        int channels = n == 1 ? 1 : shape.length == 0 ? 1 : shape[0];
        if (n != 1 && n != channels) {
            throw new TaskSpec.SpecException("dataset.normalize", n + " values for samples of shape " + Arrays.toString(shape)
                    + ": give one value, or one per channel (" + channels + ")");
        }
        int per = d.featureSize() / channels;
        float[] x = d.features().clone();
        for (int i = 0; i < x.length; i++) {
            int c = n == 1 ? 0 : (i / per) % channels;
            x[i] = (x[i] - prep.mean()[c]) / prep.std()[c];
        }
        return new Dataset(d.name(), d.source(), shape, x, d.labels(), d.numClasses());
    }

    public static TaskData resolve(String name) throws IOException {
        String base = name;
        int limit = -1;
        int colon = name.indexOf(':');
        if (colon >= 0) {
            base = name.substring(0, colon);
            try {
                limit = Integer.parseInt(name.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new TaskSpec.SpecException("dataset.name", "bad size in '" + name + "'");
            }
            if (limit < 1) {
                throw new TaskSpec.SpecException("dataset.name", "size must be positive in '" + name + "'");
            }
        }
        switch (base) {
            case "fashion-mnist" -> {
                Datasets.TrainTest tt = Datasets.fashionMnistShipped();
                Dataset train = limit > 0 ? tt.train().slice(0, Math.min(limit, tt.train().size())) : tt.train();
                return new TaskData(train, tt.test(), null);
            }
            case "kjv" -> {
                TextCorpus c = Datasets.kjv();
                if (limit > 0) {
                    int[] toks = Arrays.copyOf(c.tokens(), Math.min(limit, c.size()));
                    c = TextCorpus.of(name, c.source(), c.decode(toks));
                }
                return new TaskData(null, null, c);
            }
            default -> throw new TaskSpec.SpecException("dataset.name", "unknown dataset '" + name
                    + "' (known: fashion-mnist[:N], kjv[:N])");
        }
    }
}

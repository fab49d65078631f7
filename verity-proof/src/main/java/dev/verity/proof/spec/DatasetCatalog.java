package dev.verity.proof.spec;

import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.TextCorpus;
import java.io.IOException;
import java.util.Arrays;

/**
 * Datasets a task can name. A name is a shipped dataset, optionally cut to its first N training
 * samples (or characters): {@code fashion-mnist}, {@code fashion-mnist:2000}, {@code kjv},
 * {@code kjv:60000}. The spec also carries the dataset root, so a solver with different bytes
 * under the same name is refused before it trains.
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

package dev.verity.proof.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.merkle.Sha256;
import dev.verity.proof.store.LocalBlobStore;
import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.NpyArray;
import dev.verity.tensor.data.NpzFile;
import dev.verity.tensor.model.ModelConfig;
import dev.verity.tensor.train.TrainConfig;
import dev.verity.tensor.train.Trainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Published datasets: what goes in comes out bit for bit, every way of serving other bytes is refused, and the spec's data steps are exact. */
class DatasetBlobsTest {
    @TempDir
    Path dir;

    /** 40 samples of shape [2, 3] (two channels), labels 0..3, with float32 values that are not round numbers. */
    Path npz(boolean withTest) throws IOException {
        int n = 40;
        float[] x = new float[n * 6];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.37) * 3.1f + (i % 6 < 3 ? 1.5f : -0.25f);
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (i * 7) % 4;
        }
        TreeMap<String, NpyArray> a = new TreeMap<>();
        a.put("x", NpyArray.ofFloats(new int[] {n, 2, 3}, x));
        a.put("y", NpyArray.ofInts(new int[] {n}, y));
        if (withTest) {
            a.put("x_test", NpyArray.ofFloats(new int[] {2, 2, 3}, java.util.Arrays.copyOf(x, 12)));
            a.put("y_test", NpyArray.ofInts(new int[] {2}, 1, 2));
        }
        Path f = dir.resolve(withTest ? "with-test.npz" : "data.npz");
        NpzFile.of(a).write(f, false);
        return f;
    }

    @Test
    void labelledDataRoundTripsBitForBitAndSplitsAcrossChunks() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        Path f = npz(true);
        DatasetBlobs.Published p = DatasetBlobs.put(store, f, false, 0);
        DatasetCatalog.TaskData read = DatasetBlobs.read(store, p.key());
        Dataset local = dev.verity.tensor.data.DataFiles.open(f).train();
        assertArrayEquals(local.features(), read.train().features());
        assertArrayEquals(local.labels(), read.train().labels());
        assertArrayEquals(new int[] {2, 3}, read.train().sampleShape());
        assertEquals(4, read.train().numClasses());
        assertEquals(2, read.test().size());
        assertEquals(1, p.chunks());
        assertEquals(DatasetBlobs.Format.LABELLED, p.format());
    }

    @Test
    void theRootAStrangerComputesWithoutAModelIsTheTrainersRoot() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        DatasetBlobs.Published p = DatasetBlobs.put(store, npz(false), false, 4);
        TaskSpec.DataPrep prep = new TaskSpec.DataPrep(p.key(), new float[] {1.5f, -0.25f}, new float[] {2f, 3f}, 0.25f);
        DatasetCatalog.TaskData d = DatasetCatalog.prepare(p.data(), prep);
        Trainer t = Trainer.images(new ModelConfig.Mlp(new int[] {6, 4}), TrainConfig.defaults("mlp", 1, 0).withBatch(4), d.train());
        assertArrayEquals(TaskRun.datasetRoot(t), TaskRun.datasetRootOf(d));
        assertNotEquals(Sha256.hex(TaskRun.datasetRootOf(d)), Sha256.hex(TaskRun.datasetRootOf(p.data())),
                "normalisation and the split are part of the root");
    }

    @Test
    void normalisationIsPerChannelInFloat32AndTheSplitHoldsOutTheLastSamples() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        DatasetBlobs.Published p = DatasetBlobs.put(store, npz(false), false, 0);
        Dataset raw = p.data().train();
        TaskSpec.DataPrep prep = new TaskSpec.DataPrep(p.key(), new float[] {1.5f, -0.25f}, new float[] {2f, 3f}, 0.25f);
        DatasetCatalog.TaskData d = DatasetCatalog.prepare(p.data(), prep);
        assertEquals(30, d.train().size());
        assertEquals(10, d.test().size());
        for (int s : new int[] {0, 29}) {
            for (int j = 0; j < 6; j++) {
                float x = raw.features()[s * 6 + j];
                float want = j < 3 ? (x - 1.5f) / 2f : (x + 0.25f) / 3f;
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(d.train().features()[s * 6 + j]));
            }
        }
        assertEquals(raw.labels()[30], d.test().labels()[0], "the held-out samples are the last ones, in file order");
        // one value for every feature
        DatasetCatalog.TaskData one = DatasetCatalog.prepare(p.data(), new TaskSpec.DataPrep(p.key(), new float[] {1f}, new float[] {4f}, 0f));
        assertEquals(Float.floatToRawIntBits((raw.features()[5] - 1f) / 4f), Float.floatToRawIntBits(one.train().features()[5]));
        assertNull(one.test());
        // three channels for samples of two
        TaskSpec.SpecException e = assertThrows(TaskSpec.SpecException.class, () -> DatasetCatalog.prepare(p.data(),
                new TaskSpec.DataPrep(p.key(), new float[] {0, 0, 0}, new float[] {1, 1, 1}, 0f)));
        assertTrue(e.getMessage().contains("dataset.normalize: 3 values for samples of shape [2, 3]"), e.getMessage());
    }

    @Test
    void aCorpusIsStoredAsGivenAndReadAsTheLocalReaderReadsIt() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        Path txt = dir.resolve("poem.txt");
        Files.writeString(txt, "In the beginning was the word, and the word was with data.\n".repeat(20), StandardCharsets.UTF_8);
        DatasetBlobs.Published p = DatasetBlobs.put(store, txt, true, 0);
        assertEquals(DatasetBlobs.Format.TEXT, p.format());
        DatasetCatalog.TaskData d = DatasetBlobs.read(store, p.key());
        assertTrue(d.isText());
        assertArrayEquals(dev.verity.tensor.data.DataFiles.corpus(txt).tokens(), d.corpus().tokens());
        TaskSpec.SpecException e = assertThrows(TaskSpec.SpecException.class,
                () -> DatasetCatalog.prepare(d, new TaskSpec.DataPrep(p.key(), new float[0], new float[0], 0.1f)));
        assertTrue(e.getMessage().contains("not to a text corpus"), e.getMessage());
    }

    @Test
    void withheldCorruptForgedAndForeignBlobsAreRefusedNamingTheKey() throws Exception {
        LocalBlobStore store = new LocalBlobStore(dir.resolve("store"));
        DatasetBlobs.Published p = DatasetBlobs.put(store, npz(false), false, 0);
        ObjectMapper json = new ObjectMapper();
        ObjectNode idx = (ObjectNode) json.readTree(store.get(p.key()));
        String chunk = idx.get("chunks").get(0).asText();

        // a blob that is not a dataset index
        String notIndex = store.put("{\"kind\":\"something-else\"}".getBytes(StandardCharsets.UTF_8));
        IOException e1 = assertThrows(IOException.class, () -> DatasetBlobs.read(store, notIndex));
        assertTrue(e1.getMessage().contains("dataset blob " + notIndex + ": its index is not a version-1 dataset index"), e1.getMessage());
        String notJson = store.put(new byte[] {1, 2, 3});
        assertThrows(DatasetBlobs.InvalidDatasetException.class, () -> DatasetBlobs.read(store, notJson));

        // an index whose chunks are real blobs but make other bytes than it claims (a publisher that swaps data)
        ObjectNode lying = idx.deepCopy().put("sha256", "00".repeat(32));
        String lyingKey = store.put(json.writeValueAsBytes(lying));
        IOException e2 = assertThrows(IOException.class, () -> DatasetBlobs.read(store, lyingKey));
        assertTrue(e2.getMessage().contains("hashing to"), e2.getMessage());
        ObjectNode huge = idx.deepCopy().put("bytes", DatasetBlobs.MAX_BYTES + 1);
        String hugeKey = store.put(json.writeValueAsBytes(huge));
        IOException e3 = assertThrows(IOException.class, () -> DatasetBlobs.read(store, hugeKey));
        assertTrue(e3.getMessage().contains("over the limit of " + DatasetBlobs.MAX_BYTES), e3.getMessage());
        ObjectNode tooMany = idx.deepCopy().put("bytes", 5);
        String tooManyKey = store.put(json.writeValueAsBytes(tooMany));
        assertThrows(DatasetBlobs.InvalidDatasetException.class, () -> DatasetBlobs.read(store, tooManyKey));

        // a corrupt chunk (the store checks it against its key) and a withheld one
        byte[] b = store.get(chunk);
        b[b.length / 2] ^= 1;
        store.corrupt(chunk, b);
        assertThrows(dev.verity.proof.store.BlobStore.CorruptBlobException.class, () -> DatasetBlobs.read(store, p.key()));
        store.delete(chunk);
        assertThrows(dev.verity.proof.store.BlobStore.MissingBlobException.class, () -> DatasetBlobs.read(store, p.key()));
    }

    @Test
    void aSpecCarriesTheDataStepsInItsCanonicalFormAndRefusesBadOnes() throws Exception {
        String key = "ab".repeat(32);
        TaskSpec.DataPrep prep = new TaskSpec.DataPrep(key, new float[] {0.5f, 0.25f}, new float[] {0.2f, 0.3f}, 0.1f);
        String d = TaskSpec.datasetJson("mine", "cd".repeat(32), prep);
        assertEquals("{\"blob\":\"" + key + "\",\"name\":\"mine\",\"normalize\":{\"mean\":[0.5,0.25],\"std\":[0.2,0.3]},\"root\":\""
                + "cd".repeat(32) + "\",\"testFraction\":0.1}", d);
        String spec = "{\"version\":1,\"model\":{\"arch\":\"mlp\",\"sizes\":[6,4]},\"dataset\":" + d + ","
                + "\"optimizer\":{\"kind\":\"sgd\",\"momentum\":0.9},\"schedule\":{\"kind\":\"cosine\",\"lr\":0.05},"
                + "\"batch\":8,\"steps\":10,\"seed\":3,\"checkpointInterval\":5}";
        TaskSpec s = TaskSpec.parse(spec);
        assertEquals(prep, s.prep());
        assertEquals(s.canonicalJson(), TaskSpec.parse(s.canonicalJson()).canonicalJson());
        for (Map.Entry<String, String> bad : Map.of(
                "\"std\":[0.2,0.3]", "dataset.normalize: mean must be finite and std positive",
                "\"testFraction\":0.1", "dataset.testFraction: must be in [0.0, 0.5]",
                "\"name\":\"mine\"", "dataset.colour: unknown field").entrySet()) {
            String broken = spec.replace(bad.getKey(), switch (bad.getKey()) {
                case "\"std\":[0.2,0.3]" -> "\"std\":[0.2,0]";
                case "\"testFraction\":0.1" -> "\"testFraction\":0.9";
                default -> "\"name\":\"mine\",\"colour\":1";
            });
            TaskSpec.SpecException e = assertThrows(TaskSpec.SpecException.class, () -> TaskSpec.parse(broken));
            assertTrue(e.getMessage().contains(bad.getValue()), e.getMessage());
        }
        // a published dataset needs a store to be read from
        TaskSpec.SpecException e = assertThrows(TaskSpec.SpecException.class, () -> TaskRun.open(s));
        assertTrue(e.getMessage().contains("dataset.blob: a published dataset is read from a blob store"), e.getMessage());
    }
}

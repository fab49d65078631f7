package dev.verity.proof.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import dev.verity.tensor.data.DataFiles;
import dev.verity.tensor.data.Dataset;
import dev.verity.tensor.data.Datasets;
import dev.verity.tensor.data.NpyArray;
import dev.verity.tensor.data.NpzFile;
import dev.verity.tensor.data.NumpyData;
import dev.verity.tensor.data.TextCorpus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * A user's dataset in the blob store ({@code verity data put}): its bytes in chunks of at most {@link #CHUNK_BYTES},
 * each a blob under its SHA-256, and a small JSON index blob whose key is the dataset's key in a task spec.
 *
 * <p>Labelled data of any format {@link DataFiles} reads (npz, npy pairs, CSV, IDX, image folders) is stored as one
 * canonical {@code .npz}: {@code x} float32 {@code [n, ...sample]}, {@code y} int32 {@code [n]}, and {@code x_test},
 * {@code y_test} when there is a test split; so a solver needs one reader, and float32 features arrive bit for bit.
 * A corpus is stored as the file the user gave (UTF-8 text, raw or gzipped, or token ids in .npy/.npz).
 *
 * <p>Reading checks everything a withholding or lying publisher could get wrong: the index's form, every chunk
 * against its key (the store does), the total size and the SHA-256 of the whole; the dataset root in the spec is then
 * checked against the arrays by {@link TaskRun#open}.
 */
public final class DatasetBlobs {
    public static final int CHUNK_BYTES = 4 << 20;
    /**
     * The most bytes a published dataset may hold (1 GiB, 268M float32 values): the index says the size before anything
     * else is fetched, so a spec naming a bigger one is refused before a solver downloads it.
     */
    public static final long MAX_BYTES = 1L << 30;
    static final String KIND = "verity-dataset";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the bytes are to be read: the explicit codes of the index's {@code format} field. */
    public enum Format {
        LABELLED("npz", ".npz"), TEXT("text", ".txt"), TOKENS_NPY("tokens-npy", ".npy"), TOKENS_NPZ("tokens-npz", ".npz");

        private final String code;
        private final String suffix;

        Format(String code, String suffix) {
            this.code = code;
            this.suffix = suffix;
        }

        public String code() {
            return code;
        }

        static Format of(String code) {
            for (Format f : values()) {
                if (f.code.equals(code)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown dataset format '" + code + "'");
        }

        boolean isCorpus() {
            return this != LABELLED;
        }
    }

    /** What {@link #put} published: the key a spec names, the format, and the data as a solver will read it. */
    public record Published(String key, Format format, long bytes, int chunks, DatasetCatalog.TaskData data) {
    }

    private DatasetBlobs() {
    }

    /**
     * Reads {@code file} (a corpus when {@code text}, else labelled data) with the same readers a local
     * {@code verity train --data} uses, and publishes it. {@code numClasses} 0 infers the class count.
     */
    public static Published put(BlobStore store, Path file, boolean text, int numClasses) throws IOException {
        byte[] bytes;
        Format format;
        int classes = 0;
        int vocab = 0;
        if (text) {
            TextCorpus c = DataFiles.corpus(file); // reads and checks it, so a bad file fails here and not at a solver
            String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
            format = n.endsWith(".npy") ? Format.TOKENS_NPY : n.endsWith(".npz") ? Format.TOKENS_NPZ : Format.TEXT;
            vocab = c.vocabSize();
            bytes = Files.readAllBytes(file);
        } else {
            Datasets.TrainTest tt = DataFiles.open(file, numClasses);
            format = Format.LABELLED;
            classes = tt.train().numClasses();
            bytes = canonicalNpz(tt);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IOException(file + ": " + bytes.length + " bytes as stored, over the limit of " + MAX_BYTES + " for a task's dataset");
        }
        List<String> chunks = new ArrayList<>();
        for (int off = 0; off < bytes.length || chunks.isEmpty(); off += CHUNK_BYTES) {
            int end = (int) Math.min(bytes.length, (long) off + CHUNK_BYTES);
            chunks.add(store.put(java.util.Arrays.copyOfRange(bytes, off, end)));
        }
        ObjectNode idx = JSON.createObjectNode().put("kind", KIND).put("version", VERSION).put("format", format.code())
                .put("name", stem(file)).put("bytes", bytes.length).put("sha256", Sha256.hex(Sha256.hash(bytes)));
        if (format == Format.LABELLED) {
            idx.put("classes", classes);
        } else {
            idx.put("vocab", vocab);
        }
        chunks.forEach(idx.putArray("chunks")::add);
        String key = store.put(JSON.writeValueAsBytes(idx));
        // the data as a solver parses it, from the bytes in hand rather than fetched back from the store
        return new Published(key, format, bytes.length, chunks.size(), parse(key, idx, format, bytes));
    }

    /** The dataset stored under {@code key}, every byte checked; an error names the key and what is wrong. */
    public static DatasetCatalog.TaskData read(BlobStore store, String key) throws IOException {
        JsonNode idx;
        try {
            idx = JSON.readTree(store.get(key));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw bad(key, "its index is not JSON (is it the key `verity data put` printed?)");
        }
        if (idx == null || !idx.isObject() || !KIND.equals(idx.path("kind").asText()) || idx.path("version").asInt() != VERSION) {
            throw bad(key, "its index is not a version-" + VERSION + " dataset index (is it the key `verity data put` printed?)");
        }
        Format format;
        try {
            format = Format.of(idx.path("format").asText());
        } catch (IllegalArgumentException e) {
            throw bad(key, e.getMessage());
        }
        long size = idx.path("bytes").asLong(-1);
        JsonNode chunks = idx.path("chunks");
        if (size > MAX_BYTES) {
            throw bad(key, "its index gives " + size + " bytes, over the limit of " + MAX_BYTES + " for a task's dataset");
        }
        if (size < 0 || !chunks.isArray() || chunks.isEmpty()
                || chunks.size() != Math.max(1, Math.ceilDiv(size, CHUNK_BYTES))) {
            throw bad(key, "its index gives " + size + " bytes in " + chunks.size() + " chunks");
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream((int) size);
        for (JsonNode c : chunks) {
            byte[] b = store.get(c.asText()); // checked against its key by the store
            if (b.length > CHUNK_BYTES || all.size() + (long) b.length > size) {
                throw bad(key, "its chunks hold more than the " + size + " bytes its index gives");
            }
            all.writeBytes(b);
        }
        byte[] bytes = all.toByteArray();
        String sha = Sha256.hex(Sha256.hash(bytes));
        if (bytes.length != size || !sha.equals(idx.path("sha256").asText())) {
            throw bad(key, "its chunks make " + bytes.length + " bytes hashing to " + sha + ", its index says " + size
                    + " bytes hashing to " + idx.path("sha256").asText());
        }
        return parse(key, idx, format, bytes);
    }

    private static DatasetCatalog.TaskData parse(String key, JsonNode idx, Format format, byte[] bytes) throws IOException {
        String name = idx.path("name").asText("data");
        if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
            name = "data";
        }
        Path dir = Files.createTempDirectory("verity-dataset-");
        Path tmp = dir.resolve(name + format.suffix);
        try {
            Files.write(tmp, bytes);
            if (format.isCorpus()) {
                int vocab = idx.path("vocab").asInt(0);
                TextCorpus c = format == Format.TEXT ? Datasets.text(name, tmp) : NumpyData.corpus(tmp, vocab);
                if (c.vocabSize() != vocab) {
                    throw bad(key, "its corpus has " + c.vocabSize() + " symbols, its index says " + vocab);
                }
                return new DatasetCatalog.TaskData(null, null, c);
            }
            int classes = idx.path("classes").asInt(0);
            if (classes < 1 || classes > NumpyData.MAX_CLASSES) {
                throw bad(key, "its index gives " + classes + " classes");
            }
            Datasets.TrainTest tt = NumpyData.fromNpz(tmp, classes);
            return new DatasetCatalog.TaskData(tt.train(), tt.test(), null);
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof InvalidDatasetException) {
                throw e;
            }
            throw bad(key, e.getMessage().replace(tmp.toString(), "its bytes"));
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(dir);
        }
    }

    /** The canonical form of labelled data: float32 features and int32 labels, train and test. */
    static byte[] canonicalNpz(Datasets.TrainTest tt) {
        TreeMap<String, NpyArray> a = new TreeMap<>();
        put(a, "x", "y", tt.train());
        if (tt.test() != null) {
            put(a, "x_test", "y_test", tt.test());
        }
        return NpzFile.of(a).toBytes(true);
    }

    private static void put(TreeMap<String, NpyArray> a, String x, String y, Dataset d) {
        int[] shape = new int[d.sampleShape().length + 1];
        shape[0] = d.size();
        System.arraycopy(d.sampleShape(), 0, shape, 1, d.sampleShape().length);
        a.put(x, NpyArray.ofFloats(shape, d.features()));
        a.put(y, NpyArray.ofInts(new int[] {d.size()}, d.labels()));
    }

    private static String stem(Path file) {
        String n = file.getFileName() == null ? "data" : file.getFileName().toString();
        n = n.replaceFirst("(\\.(npz|npy|csv|txt|gz|text))+$", "").replaceAll("[^A-Za-z0-9._-]", "_");
        return n.isEmpty() ? "data" : n.length() > 100 ? n.substring(0, 100) : n;
    }

    private static InvalidDatasetException bad(String key, String why) {
        return new InvalidDatasetException("dataset blob " + key + ": " + why);
    }

    /** A dataset key whose blobs do not make a dataset: withheld, corrupt, or not a dataset at all. */
    public static final class InvalidDatasetException extends IOException {
        public InvalidDatasetException(String message) {
            super(message);
        }
    }
}

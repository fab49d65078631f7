package dev.verity.tensor.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The stock datasets: Fashion-MNIST and the King James Bible text.
 *
 * <p>Which copy is loaded depends on the machine (an explicit directory, the Debian package's
 * full set, or the subset shipped in this jar), so every loaded dataset reports it in
 * {@code source()}. Anything whose bits must agree across machines (a task's dataset) must pin its
 * data by content, not by calling the automatic loader; {@link #fashionMnistShipped()} is the same
 * everywhere.
 */
public final class Datasets {
    /** Where the Debian package dataset-fashion-mnist installs the full 60k/10k set. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    /** Resource folder of the shipped Fashion-MNIST subset (first 10,000 train, first 2,000 test). */
    public static final String SHIPPED_FASHION_MNIST = "/dev/verity/tensor/data/fashion-mnist/";
    /** Resource of the shipped KJV text (whole Bible, one verse a line, gzipped UTF-8). */
    public static final String SHIPPED_KJV = "/dev/verity/tensor/data/kjv/kjv.txt.gz";

    /** Fashion-MNIST class names, by label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private Datasets() {
    }

    /** A training set and a test set; {@code test} is null where the data has no test split (see {@link #hasTest()}). */
    public record TrainTest(Dataset train, Dataset test) {
        public TrainTest {
            java.util.Objects.requireNonNull(train, "train");
        }

        /** Whether there is a test split. */
        public boolean hasTest() {
            return test != null;
        }

        /** Where the data came from (the train set's source; the test set's is the same place). */
        public String source() {
            return train.source();
        }
    }

    /**
     * Fashion-MNIST: from {@code dirOrNull} if given (files {@code train-images-idx3-ubyte},
     * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
     * each raw or with {@code .gz}); else from {@link #DEBIAN_FASHION_MNIST} if that directory
     * exists (the full 60,000/10,000 set); else the subset shipped in this jar (10,000/2,000).
     */
    public static TrainTest fashionMnist(Path dirOrNull) throws IOException {
        if (dirOrNull != null) {
            return fashionMnistFromDir(dirOrNull);
        }
        if (Files.isDirectory(DEBIAN_FASHION_MNIST)) {
            return fashionMnistFromDir(DEBIAN_FASHION_MNIST);
        }
        return fashionMnistShipped();
    }

    /** The Fashion-MNIST subset shipped in this jar: the first 10,000 training and 2,000 test images. */
    public static TrainTest fashionMnistShipped() throws IOException {
        String src = "classpath:" + SHIPPED_FASHION_MNIST;
        return new TrainTest(
                fashionSplit("fashion-mnist/train", src, resource(SHIPPED_FASHION_MNIST + "train-images-idx3-ubyte.gz"),
                        resource(SHIPPED_FASHION_MNIST + "train-labels-idx1-ubyte.gz")),
                fashionSplit("fashion-mnist/test", src, resource(SHIPPED_FASHION_MNIST + "t10k-images-idx3-ubyte.gz"),
                        resource(SHIPPED_FASHION_MNIST + "t10k-labels-idx1-ubyte.gz")));
    }

    /** Fashion-MNIST (or any MNIST-layout set with 10 classes) from a directory. */
    public static TrainTest fashionMnistFromDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("Fashion-MNIST directory " + dir + " does not exist or is not a directory");
        }
        String src = dir.toAbsolutePath().toString();
        return new TrainTest(
                fashionSplit("fashion-mnist/train", src, Idx.read(find(dir, "train-images-idx3-ubyte")),
                        Idx.read(find(dir, "train-labels-idx1-ubyte"))),
                fashionSplit("fashion-mnist/test", src, Idx.read(find(dir, "t10k-images-idx3-ubyte")),
                        Idx.read(find(dir, "t10k-labels-idx1-ubyte"))));
    }

    private static Dataset fashionSplit(String name, String source, Idx.Array images, Idx.Array labels)
            throws IOException {
        return Idx.imageDataset(name, source, images, labels, FASHION_MNIST_CLASSES.size());
    }

    private static Path find(Path dir, String base) throws IOException {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path raw = dir.resolve(base);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        throw new IOException("no " + base + " or " + base + ".gz in " + dir);
    }

    private static Idx.Array resource(String name) throws IOException {
        try (InputStream in = Datasets.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing from the classpath");
            }
            return Idx.read(in, "classpath:" + name);
        }
    }

    /**
     * The King James Bible as a character-level corpus, from the text shipped in this jar (the
     * whole KJV, one verse a line). The Debian package bible-kjv-text stores the text in its own
     * compressed format ({@code /usr/lib/bible.data}), which only its {@code bible} program reads,
     * so there is no plain system file to prefer; the shipped file was extracted from it (see the
     * NOTICE next to it).
     */
    public static TextCorpus kjv() throws IOException {
        try (InputStream in = Datasets.class.getResourceAsStream(SHIPPED_KJV)) {
            if (in == null) {
                throw new IOException("resource " + SHIPPED_KJV + " is missing from the classpath");
            }
            return TextCorpus.of("kjv", "classpath:" + SHIPPED_KJV, readUtf8(in, "classpath:" + SHIPPED_KJV));
        }
    }

    /** The KJV from {@code fileOrNull} (UTF-8 text, raw or gzipped) if given, else {@link #kjv()}. */
    public static TextCorpus kjv(Path fileOrNull) throws IOException {
        return fileOrNull == null ? kjv() : text("kjv", fileOrNull);
    }

    /** A character-level corpus of a UTF-8 text file, raw or gzipped (detected from the content). */
    public static TextCorpus text(String name, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return TextCorpus.of(name, file.toAbsolutePath().toString(), readUtf8(in, file.toString()));
        }
    }

    /** Reads all of a stream as strict UTF-8 (malformed bytes are an error, not U+FFFD), gunzipping if needed. */
    static String readUtf8(InputStream raw, String what) throws IOException {
        byte[] bytes = raw.readAllBytes();
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length * 4);
                gz.transferTo(out);
                bytes = out.toByteArray();
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                throw new IOException(what + ": corrupt gzip data: " + e.getMessage(), e);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(what + " is not valid UTF-8: " + e.getMessage(), e);
        }
    }
}

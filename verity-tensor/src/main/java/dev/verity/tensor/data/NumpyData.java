package dev.verity.tensor.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Datasets and corpora from NumPy arrays: features {@code x} with integer labels {@code y}, or a
 * 1-D stream of token ids.
 *
 * <p><b>Features.</b> The first axis counts samples; the sample shape is the rest
 * ({@code [N,C,H,W]} gives {@code [C,H,W]}, {@code [N,H,W]} gives {@code [H,W]}, {@code [N,F]}
 * gives {@code [F]}, {@code [N]} gives a scalar {@code []}). Three element types are accepted, each
 * with one exact rule, so every machine gets the same bits:
 * <ul>
 *   <li>float32: taken as is; a NaN or infinity is an error naming the sample.</li>
 *   <li>float64: rounded to the nearest float32, ties to even (Java's {@code (float)} cast, the same
 *       as NumPy's {@code x.astype(np.float32)}); a NaN, an infinity, or a value that rounds to
 *       infinity (beyond float32's range) is an error naming the sample. Values that are not
 *       representable in float32 are rounded, not refused, because every float64 file would
 *       otherwise be unusable; save float32 to keep exact control of the bits.</li>
 *   <li>uint8: {@code byte / 255f}, the rule of {@link Idx}, for images.</li>
 * </ul>
 * Other types (integers, bool) are refused: convert them explicitly with {@code astype}.
 *
 * <p><b>Labels.</b> Any integer type (bool included), shape {@code [N]} or {@code [N,1]} (as
 * Keras ships CIFAR's). A negative label, one of {@link #MAX_CLASSES} or more, or one at or above a
 * given class count is an error naming the sample. The class count is the given one, or the
 * largest label of the training and test splits together, plus one.
 *
 * <p><b>Archives.</b> An {@code .npz} holds {@code x} and {@code y}, and optionally
 * {@code x_test} and {@code y_test} (both or neither). Without them {@link Datasets.TrainTest#test()}
 * is null (see {@link Datasets.TrainTest#hasTest()}).
 *
 * <p><b>Pairs of .npy files</b> are found by name, in the same folder ({@link #labelsFile},
 * {@link #testFile}): the labels of {@code S.npy} replace the first {@code _}-separated word
 * {@code x} of S by {@code y} ({@code x.npy} → {@code y.npy}, {@code x_train.npy} →
 * {@code y_train.npy}, {@code mnist_x.npy} → {@code mnist_y.npy}), or, if S has no such word, add
 * {@code _y} ({@code images.npy} → {@code images_y.npy}). The test features replace the first word
 * {@code train} by {@code test}, or else add {@code _test} ({@code x_train.npy} → {@code x_test.npy},
 * {@code x.npy} → {@code x_test.npy}), with their labels by the same rule; the test split is used
 * when its features file exists, and then its labels must exist too.
 */
public final class NumpyData {
    /** Most classes a label set may imply: a larger label is taken for a corrupt file, not a class. */
    public static final int MAX_CLASSES = 1 << 16;
    /** Largest vocabulary inferred from token ids: a larger id is taken for a corrupt file, not a token. */
    public static final int MAX_VOCAB = 1 << 24;

    private NumpyData() {
    }

    /** The train (and test) split of an {@code .npz} with {@code x}, {@code y} and optionally {@code x_test}, {@code y_test}. */
    public static Datasets.TrainTest fromNpz(Path file, int numClasses) throws IOException {
        NpzFile npz = NpzFile.read(file);
        String base = stem(file);
        if (npz.has("x_test") != npz.has("y_test")) {
            throw new IOException(file + ": has member '" + (npz.has("x_test") ? "x_test" : "y_test")
                    + "' without its partner '" + (npz.has("x_test") ? "y_test" : "x_test") + "'");
        }
        String src = file.toAbsolutePath().toString();
        Split train = new Split(npz.get("x"), npz.get("y"), file + " member 'x'", file + " member 'y'");
        Split test = npz.has("x_test") ? new Split(npz.get("x_test"), npz.get("y_test"), file + " member 'x_test'",
                file + " member 'y_test'") : null;
        return trainTest(base, src, train, test, numClasses);
    }

    /** The train (and test) split of features {@code x} and their labels and test files beside it, named by the convention above. */
    public static Datasets.TrainTest fromNpyPair(Path x, int numClasses) throws IOException {
        Path y = labelsFile(x);
        requireFile(y, "labels file", x);
        Split train = new Split(NpyArray.read(x), NpyArray.read(y), x.toString(), y.toString());
        Path xt = testFile(x);
        Split test = null;
        if (Files.exists(xt)) {
            Path yt = labelsFile(xt);
            requireFile(yt, "test labels file", xt);
            test = new Split(NpyArray.read(xt), NpyArray.read(yt), xt.toString(), yt.toString());
        }
        return trainTest(stem(x), x.toAbsolutePath().toString(), train, test, numClasses);
    }

    private static void requireFile(Path p, String role, Path of) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IOException("no " + role + " " + p + " for " + of + " (the labels of S.npy are S with its word 'x'"
                    + " replaced by 'y', or S_y.npy)");
        }
    }

    /** The labels file of features file {@code x}: its first word {@code x} replaced by {@code y}, else {@code _y} added. */
    public static Path labelsFile(Path x) {
        return x.resolveSibling(renameWord(stem(x), "x", "y", "_y") + ".npy");
    }

    /** The test features file of features file {@code x}: its first word {@code train} replaced by {@code test}, else {@code _test} added. */
    public static Path testFile(Path x) {
        return x.resolveSibling(renameWord(stem(x), "train", "test", "_test") + ".npy");
    }

    private static String renameWord(String stem, String from, String to, String suffix) {
        String[] words = stem.split("_", -1);
        for (int i = 0; i < words.length; i++) {
            if (words[i].equals(from)) {
                words[i] = to;
                return String.join("_", words);
            }
        }
        return stem + suffix;
    }

    static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** Features and labels of one split, with the names that messages give them. */
    private record Split(NpyArray x, NpyArray y, String xWhat, String yWhat) {
    }

    private static Datasets.TrainTest trainTest(String base, String src, Split train, Split test, int numClasses)
            throws IOException {
        int[] trainLabels = labels(train.y, train.x, train.yWhat, train.xWhat);
        int[] testLabels = test == null ? null : labels(test.y, test.x, test.yWhat, test.xWhat);
        int classes = numClasses > 0 ? numClasses : Math.max(maxPlusOne(trainLabels), maxPlusOne(testLabels));
        Dataset tr = dataset(base + "/train", src, train.x, trainLabels, classes, train.xWhat, train.yWhat);
        Dataset te = test == null ? null
                : dataset(base + "/test", src, test.x, testLabels, classes, test.xWhat, test.yWhat);
        if (te != null && !Arrays.equals(tr.sampleShape(), te.sampleShape())) {
            throw new IOException(test.xWhat + ": test samples have shape " + Arrays.toString(te.sampleShape())
                    + ", training samples " + Arrays.toString(tr.sampleShape()));
        }
        return new Datasets.TrainTest(tr, te);
    }

    private static int maxPlusOne(int[] labels) {
        int m = 0;
        for (int i = 0; labels != null && i < labels.length; i++) {
            m = Math.max(m, labels[i] + 1);
        }
        return m;
    }

    /**
     * One dataset of features {@code x} and labels {@code y} (both named by {@code what} in messages);
     * {@code numClasses} 0 means the largest label plus one.
     */
    public static Dataset dataset(String name, String source, NpyArray x, NpyArray y, int numClasses, String what)
            throws IOException {
        int[] labels = labels(y, x, what + " labels", what + " features");
        int classes = numClasses > 0 ? numClasses : maxPlusOne(labels);
        return dataset(name, source, x, labels, classes, what + " features", what + " labels");
    }

    private static Dataset dataset(String name, String source, NpyArray x, int[] labels, int numClasses, String xWhat,
            String yWhat) throws IOException {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= numClasses) {
                throw new IOException(yWhat + ": label of sample " + i + " is " + labels[i] + ", outside [0, "
                        + numClasses + ") for " + numClasses + " classes");
            }
        }
        float[] features = features(x, xWhat); // first: it checks that x has a sample axis
        int[] shape = x.shape();
        return new Dataset(name, source, Arrays.copyOfRange(shape, 1, shape.length), features, labels, numClasses);
    }

    /** Features as floats by the rules above; {@code what} names the array in messages. */
    public static float[] features(NpyArray x, String what) throws IOException {
        if (x.rank() == 0 || x.dim(0) == 0) {
            throw new IOException(what + ": features need a first axis of at least one sample, got shape "
                    + Arrays.toString(x.shape()));
        }
        int perSample = x.count() / x.dim(0);
        return switch (x.type()) {
            case FLOAT32 -> checkFinite(x.floats(), perSample, what);
            case FLOAT64 -> narrow(x.doubles(), perSample, what);
            case UINT8 -> {
                byte[] px = x.data();
                float[] f = new float[px.length];
                for (int i = 0; i < px.length; i++) {
                    f[i] = (px[i] & 0xff) / 255f; // exactly the float division, as Idx does
                }
                yield f;
            }
            case INT8, INT16, INT32, INT64, UINT16 -> integerFeatures(x.longs(), perSample, what);
            default -> throw new IOException(what + ": features of type " + x.type() + " are not supported (float32,"
                    + " float64, uint8, or integers such as token ids; convert with x.astype(np.float32))");
        };
    }

    /** Integer features (token ids of sequences): exact as floats up to 2^24, the largest id a float holds exactly. */
    private static float[] integerFeatures(long[] v, int perSample, String what) throws IOException {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            if (Math.abs(v[i]) > (1 << 24)) {
                throw new IOException(what + ": sample " + i / perSample + " (element " + i % perSample + ") is " + v[i]
                        + "; integer features must be within +-2^24 to be exact as float32");
            }
            f[i] = v[i];
        }
        return f;
    }

    private static float[] checkFinite(float[] f, int perSample, String what) throws IOException {
        for (int i = 0; i < f.length; i++) {
            if (!Float.isFinite(f[i])) {
                throw new IOException(what + ": sample " + i / perSample + " (element " + i % perSample + ") is "
                        + f[i] + "; features must be finite");
            }
        }
        return f;
    }

    private static float[] narrow(double[] d, int perSample, String what) throws IOException {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i]; // IEEE round to nearest, ties to even
            if (!Float.isFinite(f[i])) {
                throw new IOException(what + ": sample " + i / perSample + " (element " + i % perSample + ") is "
                        + d[i] + (Double.isFinite(d[i]) ? ", beyond float32's range" : "") + "; features must be finite");
            }
        }
        return f;
    }

    /** Labels of {@code y}, which must hold one integer per sample of {@code x}. */
    private static int[] labels(NpyArray y, NpyArray x, String what, String xWhat) throws IOException {
        int[] s = y.shape();
        if (!y.type().isInteger()) {
            throw new IOException(what + ": labels must have an integer type, got " + y.type()
                    + " (convert with y.astype(np.int64))");
        }
        if (s.length == 0 || s.length > 2 || (s.length == 2 && s[1] != 1)) {
            throw new IOException(what + ": labels must have shape [N] or [N, 1], got " + Arrays.toString(s));
        }
        if (x.rank() > 0 && s[0] != x.dim(0)) {
            throw new IOException(what + ": " + s[0] + " labels for " + x.dim(0) + " samples in " + xWhat);
        }
        long[] v = y.longs();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= MAX_CLASSES) {
                throw new IOException(what + ": label of sample " + i + " is " + v[i] + (v[i] < 0 ? ", negative"
                        : ", not below " + MAX_CLASSES + " (the most classes accepted)"));
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /**
     * A corpus of token ids from a 1-D integer array: a {@code .npy}, or an {@code .npz} with the
     * member {@code tokens} (or a single member of any name). {@code vocabSize} 0 means the largest
     * id plus one, which must then be below {@link #MAX_VOCAB}. See {@link TextCorpus#ofTokens}.
     */
    public static TextCorpus corpus(Path file, int vocabSize) throws IOException {
        String what = file.toString();
        NpyArray a;
        if (file.getFileName().toString().endsWith(".npz")) {
            NpzFile npz = NpzFile.read(file);
            String member = npz.arrays().size() == 1 ? npz.arrays().firstKey() : "tokens";
            a = npz.get(member);
            what += " member '" + member + "'";
        } else {
            a = NpyArray.read(file);
        }
        int[] ids = tokenIds(a, vocabSize, what);
        int vocab = vocabSize > 0 ? vocabSize : maxPlusOne(ids);
        return TextCorpus.ofTokens(stem(file), file.toAbsolutePath().toString(), ids, vocab);
    }

    private static int[] tokenIds(NpyArray a, int vocabSize, String what) throws IOException {
        if (!a.type().isInteger() || a.rank() != 1 || a.count() == 0) {
            throw new IOException(what + ": token ids must be a non-empty 1-D integer array, got " + a.type() + " "
                    + Arrays.toString(a.shape()));
        }
        long limit = vocabSize > 0 ? vocabSize : MAX_VOCAB;
        long[] v = a.longs();
        int[] ids = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= limit) {
                throw new IOException(what + ": token " + i + " is " + v[i] + ", outside [0, " + limit + ")");
            }
            ids[i] = (int) v[i];
        }
        return ids;
    }
}

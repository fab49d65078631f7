package dev.verity.tensor.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One entry point for a user's own data: picks the reader by the path.
 *
 * <p>Labelled datasets ({@link #open}):
 * <ul>
 *   <li>{@code NAME.npz}: arrays {@code x}, {@code y}, optionally {@code x_test}, {@code y_test}
 *       ({@link NumpyData#fromNpz}).</li>
 *   <li>{@code NAME.npy}: the features; the labels and the optional test split are the files beside
 *       it named by {@link NumpyData}'s convention ({@code x.npy} with {@code y.npy}, {@code x_test.npy},
 *       {@code y_test.npy}; {@code x_train.npy} with {@code y_train.npy}; {@code images.npy} with
 *       {@code images_y.npy}).</li>
 *   <li>{@code NAME.csv}: numeric CSV with a header and the label last ({@link Csv}); no test split.</li>
 *   <li>an IDX image file {@code *images-idx3-ubyte} (raw or {@code .gz}), with its labels
 *       {@code *labels-idx1-ubyte}; a {@code train-} file takes the {@code t10k-} pair beside it as
 *       its test split if present ({@link Idx}).</li>
 *   <li>a folder: with {@code train-images-idx3-ubyte} (raw or {@code .gz}) in it, the MNIST layout; with
 *       exactly the folders {@code train} and {@code test}, two image folders; otherwise one image
 *       folder, one sub-folder per class ({@link ImageFolder}).</li>
 * </ul>
 * Where there is no test split, {@link Datasets.TrainTest#test()} is null. {@code numClasses} 0
 * means the largest label plus one (for image folders, the number of class folders; a different
 * given count is an error).
 *
 * <p>Token corpora ({@link #corpus}): a 1-D integer {@code .npy}, or an {@code .npz} with
 * {@code tokens}, is a corpus of token ids; any other file is UTF-8 text, raw or gzipped, read as
 * characters.
 */
public final class DataFiles {
    /** What {@link #open} reads, for messages. */
    public static final String SUPPORTED = ".npz (x, y[, x_test, y_test]), .npy (with its labels file, e.g. x.npy and"
            + " y.npy), .csv (label in the last column), an IDX *images-idx3-ubyte[.gz] file (with its"
            + " *labels-idx1-ubyte), or a folder (MNIST IDX files, train/ and test/ image folders, or one image"
            + " folder with a sub-folder per class of PNG/JPEG files)";

    private DataFiles() {
    }

    /** The labelled dataset at {@code path}, with the class count inferred. */
    public static Datasets.TrainTest open(Path path) throws IOException {
        return open(path, 0);
    }

    /** The labelled dataset at {@code path}; {@code numClasses} 0 infers it. */
    public static Datasets.TrainTest open(Path path, int numClasses) throws IOException {
        if (numClasses < 0) {
            throw new IllegalArgumentException("numClasses must be >= 0 (0 = infer), got " + numClasses);
        }
        if (Files.isDirectory(path)) {
            return folder(path, numClasses);
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + ": no such file or folder");
        }
        String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".npz")) {
            return NumpyData.fromNpz(path, numClasses);
        } else if (n.endsWith(".npy")) {
            return NumpyData.fromNpyPair(path, numClasses);
        } else if (n.endsWith(".csv")) {
            return new Datasets.TrainTest(Csv.load(path, Csv.Options.defaults().withNumClasses(numClasses)), null);
        } else if (n.contains("images-idx3-ubyte")) {
            return idxFile(path, numClasses);
        }
        throw new IOException(path + ": cannot tell its format from the name; supported: " + SUPPORTED);
    }

    private static Datasets.TrainTest folder(Path dir, int numClasses) throws IOException {
        for (String base : new String[] {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"}) {
            if (Files.isRegularFile(dir.resolve(base))) {
                return idxFile(dir.resolve(base), numClasses);
            }
        }
        Datasets.TrainTest tt = ImageFolder.hasSplits(dir) ? ImageFolder.loadSplits(dir)
                : new Datasets.TrainTest(ImageFolder.load(dir), null);
        if (numClasses > 0 && numClasses != tt.train().numClasses()) {
            throw new IOException(dir + ": " + tt.train().numClasses() + " class folders, but " + numClasses
                    + " classes were asked for");
        }
        return tt;
    }

    /** An IDX image file with its label file, and the t10k pair of a train file as its test split; each raw or gzipped. */
    private static Datasets.TrainTest idxFile(Path images, int numClasses) throws IOException {
        String base = images.getFileName().toString().replaceFirst("\\.gz$", "");
        Idx.Array trainX = Idx.read(images);
        Idx.Array trainY = Idx.read(idxPartner(images, base.replace("images-idx3", "labels-idx1")));
        Path testImages = base.startsWith("train-") ? idxBeside(images, "t10k-" + base.substring(6)) : null;
        Idx.Array testX = null;
        Idx.Array testY = null;
        if (testImages != null) {
            testX = Idx.read(testImages);
            testY = Idx.read(idxPartner(testImages, "t10k-" + base.substring(6).replace("images-idx3", "labels-idx1")));
        }
        int classes = numClasses > 0 ? numClasses : Math.max(maxLabel(trainY), maxLabel(testY)) + 1;
        Path parent = images.toAbsolutePath().getParent();
        String name = parent == null || parent.getFileName() == null ? "idx" : parent.getFileName().toString();
        String src = images.toAbsolutePath().toString();
        return new Datasets.TrainTest(Idx.imageDataset(name + "/train", src, trainX, trainY, classes),
                testX == null ? null : Idx.imageDataset(name + "/test", src, testX, testY, classes));
    }

    /** The file {@code base} or {@code base.gz} beside {@code file}, or null. */
    private static Path idxBeside(Path file, String base) {
        for (String n : new String[] {base, base + ".gz"}) {
            if (Files.isRegularFile(file.resolveSibling(n))) {
                return file.resolveSibling(n);
            }
        }
        return null;
    }

    private static Path idxPartner(Path images, String base) throws IOException {
        Path p = idxBeside(images, base);
        if (p == null) {
            throw new IOException(images + ": no label file " + base + " (or " + base + ".gz) beside it");
        }
        return p;
    }

    private static int maxLabel(Idx.Array labels) {
        int m = 0;
        for (int i = 0; labels != null && i < labels.data().length; i++) {
            m = Math.max(m, labels.unsigned(i));
        }
        return m;
    }

    /** The token corpus at {@code path}: token ids from {@code .npy}/{@code .npz}, else characters of UTF-8 text. */
    public static TextCorpus corpus(Path path) throws IOException {
        String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".npy") || n.endsWith(".npz")) {
            return NumpyData.corpus(path, 0);
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + ": no such file (a corpus is a .npy/.npz of token ids or a UTF-8 text file)");
        }
        return Datasets.text(NumpyData.stem(path), path);
    }
}

package dev.verity.tensor.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A labelled image dataset from a folder with one sub-folder per class, e.g.
 * {@code pets/cat/001.png}, {@code pets/dog/001.jpg}.
 *
 * <p>Everything that could vary between machines is fixed: classes are the sub-folder names sorted
 * by their UTF-8 bytes (label 0 is the first), and the images of a class are sorted the same way,
 * never in the order the file system lists them. PNG and JPEG files ({@code .png}, {@code .jpg},
 * {@code .jpeg}, any case) are decoded by the JDK's ImageIO and their stored samples are taken as
 * they are, without colour management (an embedded colour profile is ignored). A grayscale image
 * gives {@code [1,H,W]}, a colour image {@code [3,H,W]} (channel-major: all of R, then G, then B);
 * an alpha channel is dropped. A palette image gives gray if every palette entry is gray, else RGB.
 * Each sample is {@code byte / 255f}, the rule of {@link Idx}. Only 8-bit samples are accepted
 * (16-bit PNGs are refused; a palette of any depth is fine).
 *
 * <p>PNG decoding is exact everywhere. JPEG decoding is the JDK's (integer IDCT) and gives the same
 * bits with the same JDK, but other decoders (PIL, libjpeg-turbo) may differ by one level in a few
 * pixels; use PNG where the bits must match another tool's.
 *
 * <p>Files and folders whose name starts with a dot ({@code .DS_Store}, {@code ._x.png},
 * {@code .git}) are skipped, as hidden. Anything else that is not a class folder at the top, or not
 * an image file in a class folder, is an error, as are an empty class folder, a folder with no
 * classes, and an image whose channels or size differ from the first image's (the message names
 * the first file that differs).
 */
public final class ImageFolder {
    /** Byte-wise order of UTF-8 names: the same on every machine and in every locale. */
    public static final Comparator<String> NAME_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private ImageFolder() {
    }

    /** The class names of {@code dir}: its non-hidden sub-folders, in {@link #NAME_ORDER}; label i is element i. */
    public static List<String> classes(Path dir) throws IOException {
        List<String> classes = new ArrayList<>();
        for (Path p : entries(dir)) {
            if (!Files.isDirectory(p)) {
                throw new IOException(p + ": not a class folder (an image folder holds one sub-folder per class)");
            }
            classes.add(p.getFileName().toString());
        }
        if (classes.isEmpty()) {
            throw new IOException(dir + ": no class folders (an image folder holds one sub-folder per class)");
        }
        return classes;
    }

    /** The non-hidden entries of a folder, in {@link #NAME_ORDER}. */
    private static List<Path> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a folder");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString(), NAME_ORDER)).toList();
        }
    }

    /** The dataset of {@code dir}, named after the folder. */
    public static Dataset load(Path dir) throws IOException {
        return load(dir, dir.getFileName() == null ? dir.toString() : dir.getFileName().toString(), classes(dir));
    }

    /**
     * The dataset of {@code dir} with the given classes, which must be exactly its class folders (so
     * that a test split gets the training split's labels).
     */
    public static Dataset load(Path dir, String name, List<String> classes) throws IOException {
        List<String> found = classes(dir);
        if (!found.equals(classes)) {
            throw new IOException(dir + ": class folders " + found + " differ from the expected " + classes);
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Path> images = images(dir.resolve(classes.get(c)));
            files.addAll(images);
            labels.addAll(java.util.Collections.nCopies(images.size(), c));
        }
        return decodeAll(name, dir.toAbsolutePath().toString(), files, labels, classes.size());
    }

    private static List<Path> images(Path classDir) throws IOException {
        List<Path> files = entries(classDir);
        for (Path f : files) {
            if (!Files.isRegularFile(f) || !isImageName(f.getFileName().toString())) {
                throw new IOException(f + ": not a PNG or JPEG file (a class folder holds only .png, .jpg and .jpeg"
                        + " files; names starting with '.' are skipped)");
            }
        }
        if (files.isEmpty()) {
            throw new IOException(classDir + ": empty class folder (every class needs at least one image)");
        }
        return files;
    }

    static boolean isImageName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    private static Dataset decodeAll(String name, String source, List<Path> files, List<Integer> labels,
            int numClasses) throws IOException {
        Image first = decode(files.get(0));
        int per = first.pixels.length;
        if ((long) per * files.size() > NpyArray.MAX_BYTES) {
            throw new IOException(source + ": " + files.size() + " images of " + per + " values are too many for one dataset");
        }
        float[] features = new float[per * files.size()];
        int[] lab = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            Image img = i == 0 ? first : decode(files.get(i));
            if (!Arrays.equals(img.shape, first.shape)) {
                throw new IOException(files.get(i) + ": shape [C,H,W] " + Arrays.toString(img.shape)
                        + " differs from " + Arrays.toString(first.shape) + " of " + files.get(0)
                        + " (every image must have the same size and channels)");
            }
            for (int k = 0; k < per; k++) {
                features[i * per + k] = img.pixels[k] / 255f; // exactly the float division, as Idx does
            }
            lab[i] = labels.get(i);
        }
        return new Dataset(name, source, first.shape, features, lab, numClasses);
    }

    /** A decoded image: shape {@code [C,H,W]} and its samples 0..255, channel-major. */
    private record Image(int[] shape, int[] pixels) {
    }

    private static Image decode(Path f) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(f.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(f + ": cannot decode the image: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new IOException(f + ": not a PNG or JPEG image that ImageIO can read");
        }
        ColorModel cm = img.getColorModel();
        return cm instanceof IndexColorModel icm ? palette(f, img.getRaster(), icm) : direct(f, img.getRaster(), cm);
    }

    /** Samples of a gray or RGB image, alpha dropped; only 8 bits per sample. */
    private static Image direct(Path f, Raster r, ColorModel cm) throws IOException {
        int channels = cm.getNumColorComponents();
        int space = cm.getColorSpace().getType();
        if (!(channels == 1 && space == ColorSpace.TYPE_GRAY) && !(channels == 3 && space == ColorSpace.TYPE_RGB)) {
            throw new IOException(f + ": colour space with " + channels + " colour channels is not supported (gray"
                    + " or RGB only)");
        }
        for (int b = 0; b < r.getNumBands(); b++) {
            if (r.getSampleModel().getSampleSize(b) != 8) {
                throw new IOException(f + ": " + r.getSampleModel().getSampleSize(b) + "-bit samples are not supported"
                        + " (8 bits per sample only)");
            }
        }
        int w = r.getWidth();
        int h = r.getHeight();
        int[] px = new int[channels * h * w];
        for (int c = 0; c < channels; c++) {
            int[] band = r.getSamples(0, 0, w, h, c, (int[]) null);
            System.arraycopy(band, 0, px, c * h * w, h * w);
        }
        return new Image(new int[] {channels, h, w}, px);
    }

    /** A palette image: gray if every entry is gray, else RGB, each pixel looked up in the palette. */
    private static Image palette(Path f, Raster r, IndexColorModel icm) {
        boolean gray = true;
        for (int i = 0; i < icm.getMapSize(); i++) {
            gray &= icm.getRed(i) == icm.getGreen(i) && icm.getGreen(i) == icm.getBlue(i);
        }
        int w = r.getWidth();
        int h = r.getHeight();
        int[] idx = r.getSamples(0, 0, w, h, 0, (int[]) null);
        int channels = gray ? 1 : 3;
        int[] px = new int[channels * h * w];
        for (int k = 0; k < h * w; k++) {
            px[k] = icm.getRed(idx[k]);
            if (!gray) {
                px[h * w + k] = icm.getGreen(idx[k]);
                px[2 * h * w + k] = icm.getBlue(idx[k]);
            }
        }
        return new Image(new int[] {channels, h, w}, px);
    }

    /**
     * A folder holding exactly two image folders, {@code train} and {@code test}, with the same
     * class folders (hidden entries aside); labels follow the training split's classes.
     */
    public static Datasets.TrainTest loadSplits(Path dir) throws IOException {
        String base = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
        List<String> classes = classes(dir.resolve("train"));
        return new Datasets.TrainTest(load(dir.resolve("train"), base + "/train", classes),
                load(dir.resolve("test"), base + "/test", classes));
    }

    /** Whether {@code dir} holds exactly the folders {@code train} and {@code test} (hidden entries aside). */
    public static boolean hasSplits(Path dir) throws IOException {
        List<Path> e = entries(dir);
        return e.size() == 2 && e.get(0).getFileName().toString().equals("test")
                && e.get(1).getFileName().toString().equals("train") && Files.isDirectory(e.get(0))
                && Files.isDirectory(e.get(1));
    }
}

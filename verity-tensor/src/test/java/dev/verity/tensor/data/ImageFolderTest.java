package dev.verity.tensor.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    /** Sample value of pixel (x, y) in channel c of test image {@code seed}. */
    static int value(int seed, int c, int x, int y) {
        return (seed * 31 + c * 85 + x * 7 + y * 13) & 0xff;
    }

    static BufferedImage gray(int seed, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, value(seed, 0, x, y));
            }
        }
        return img;
    }

    /** An RGB image with a varying alpha channel, which the reader must drop. */
    static BufferedImage rgba(int seed, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int a = (x * 50 + 5) & 0xff;
                img.setRGB(x, y, a << 24 | value(seed, 0, x, y) << 16 | value(seed, 1, x, y) << 8 | value(seed, 2, x, y));
            }
        }
        return img;
    }

    static void save(BufferedImage img, Path file, String format) throws IOException {
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(img, format, file.toFile()), "ImageIO wrote " + file);
    }

    /** The features the reader must give for test image {@code seed}: channel-major, value / 255f. */
    static float[] expected(int seed, int channels, int w, int h) {
        float[] f = new float[channels * w * h];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    f[(c * h + y) * w + x] = value(seed, c, x, y) / 255f;
                }
            }
        }
        return f;
    }

    static String error(Path dir) {
        return assertThrows(IOException.class, () -> ImageFolder.load(dir)).getMessage();
    }

    @Test
    void grayscalePngFolderInByteWiseOrder(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("shapes");
        // Byte-wise order: "B" (0x42) < "a" < "b" < "é" (0xc3 0xa9); "10.png" < "2.png".
        save(gray(1, 3, 2), root.resolve("b/2.png"), "png");
        save(gray(2, 3, 2), root.resolve("b/10.png"), "png");
        save(gray(3, 3, 2), root.resolve("a/x.png"), "png");
        save(gray(4, 3, 2), root.resolve("B/y.PNG"), "png");
        save(gray(5, 3, 2), root.resolve("\u00e9/z.png"), "png");
        Files.writeString(root.resolve("b/.DS_Store"), "not an image");
        Files.writeString(root.resolve(".hidden"), "skipped");
        assertEquals(List.of("B", "a", "b", "\u00e9"), ImageFolder.classes(root));
        Dataset d = ImageFolder.load(root);
        assertEquals("shapes", d.name());
        assertArrayEquals(new int[] {1, 2, 3}, d.sampleShape());
        assertArrayEquals(new int[] {0, 1, 2, 2, 3}, d.labels());
        assertEquals(4, d.numClasses());
        int[] seeds = {4, 3, 2, 1, 5};
        for (int i = 0; i < seeds.length; i++) {
            NumpyDataTest.assertBits(expected(seeds[i], 1, 3, 2), d.sample(i));
        }
    }

    @Test
    void rgbDropsAlphaAndPalettesExpand(@TempDir Path dir) throws IOException {
        save(rgba(7, 4, 3), dir.resolve("c/a.png"), "png");
        byte[] r = {0, (byte) 200, 10};
        byte[] g = {0, 100, 20};
        byte[] b = {0, 50, (byte) 255};
        BufferedImage pal = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 3, r, g, b));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                pal.getRaster().setSample(x, y, 0, (x + y) % 3);
            }
        }
        save(pal, dir.resolve("d/b.png"), "png");
        Dataset d = ImageFolder.load(dir);
        assertArrayEquals(new int[] {3, 3, 4}, d.sampleShape());
        NumpyDataTest.assertBits(expected(7, 3, 4, 3), d.sample(0));
        float[] p = d.sample(1);
        assertEquals(200 / 255f, p[1], "red of palette entry 1 at (1, 0)");
        assertEquals(20 / 255f, p[12 + 2], "green of palette entry 2 at (2, 0)");
        assertEquals(1f, p[24 + 2], "blue of palette entry 2 at (2, 0)");
    }

    @Test
    void blackAndWhiteGivesOneChannel(@TempDir Path dir) throws IOException {
        BufferedImage bw = new BufferedImage(5, 1, BufferedImage.TYPE_BYTE_BINARY);
        bw.getRaster().setSample(1, 0, 0, 1);
        bw.getRaster().setSample(4, 0, 0, 1);
        save(bw, dir.resolve("k/bw.png"), "png");
        Dataset d = ImageFolder.load(dir);
        assertArrayEquals(new int[] {1, 1, 5}, d.sampleShape());
        assertArrayEquals(new float[] {0, 1, 0, 0, 1}, d.features());
    }

    @Test
    void jpegDecodesTheSameEveryTime(@TempDir Path dir) throws IOException {
        save(gray(1, 8, 8), dir.resolve("g/one/a.jpg"), "jpeg");
        BufferedImage rgb = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
        rgb.getGraphics().drawImage(rgba(2, 8, 8), 0, 0, null);
        save(rgb, dir.resolve("c/one/b.jpeg"), "jpeg");
        Dataset gray = ImageFolder.load(dir.resolve("g"));
        assertArrayEquals(new int[] {1, 8, 8}, gray.sampleShape());
        float[] want = expected(1, 1, 8, 8);
        float maxErr = 0;
        for (int i = 0; i < want.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(want[i] - gray.features()[i]));
        }
        assertTrue(maxErr < 0.25f, "lossy but close: " + maxErr);
        assertArrayEquals(new int[] {3, 8, 8}, ImageFolder.load(dir.resolve("c")).sampleShape());
        assertTrue(ImageFolder.load(dir.resolve("g")).contentEquals(gray));
    }

    @Test
    void mismatchedImagesNameTheFirstThatDiffers(@TempDir Path dir) throws IOException {
        save(gray(1, 3, 2), dir.resolve("a/1.png"), "png");
        save(gray(2, 3, 2), dir.resolve("b/1.png"), "png");
        save(gray(3, 2, 3), dir.resolve("b/2.png"), "png");
        save(gray(4, 2, 2), dir.resolve("b/3.png"), "png");
        String msg = error(dir);
        assertTrue(msg.contains("b/2.png") && msg.contains("[1, 3, 2] differs from [1, 2, 3]") && msg.contains("a/1.png"),
                msg);
        Files.delete(dir.resolve("b/2.png"));
        Files.delete(dir.resolve("b/3.png"));
        save(rgba(1, 3, 2), dir.resolve("b/4.png"), "png");
        msg = error(dir);
        assertTrue(msg.contains("b/4.png") && msg.contains("[3, 2, 3] differs from [1, 2, 3]"), msg);
    }

    @Test
    void refusesEmptyClassesStrayFilesAndDeepSamples(@TempDir Path dir) throws IOException {
        save(gray(1, 2, 2), dir.resolve("a/1.png"), "png");
        Files.createDirectories(dir.resolve("b"));
        Files.writeString(dir.resolve("b/.DS_Store"), "hidden files do not count");
        String msg = error(dir);
        assertTrue(msg.contains("empty class folder") && msg.contains("b"), msg);
        Files.writeString(dir.resolve("b/notes.txt"), "text");
        msg = error(dir);
        assertTrue(msg.contains("notes.txt") && msg.contains("not a PNG or JPEG file"), msg);
        Files.delete(dir.resolve("b/notes.txt"));
        Files.writeString(dir.resolve("b/fake.png"), "not really a png");
        msg = error(dir);
        assertTrue(msg.contains("fake.png") && msg.contains("not a PNG or JPEG image"), msg);
        Files.delete(dir.resolve("b/fake.png"));
        BufferedImage deep = new BufferedImage(2, 2, BufferedImage.TYPE_USHORT_GRAY);
        save(deep, dir.resolve("b/16bit.png"), "png");
        msg = error(dir);
        assertTrue(msg.contains("16bit.png") && msg.contains("16-bit samples are not supported"), msg);
        Files.writeString(dir.resolve("README"), "top-level file");
        msg = error(dir);
        assertTrue(msg.contains("README") && msg.contains("not a class folder"), msg);
        Path none = Files.createDirectories(dir.resolve("none"));
        assertTrue(error(none).contains("no class folders"), error(none));
    }
}

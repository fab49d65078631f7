package dev.verity.tensor.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    static Datasets.TrainTest shipped;

    @BeforeAll
    static void load() throws IOException {
        shipped = Datasets.fashionMnistShipped();
    }

    /** The raw (gunzipped) bytes of a shipped file, read without Idx, as an independent check. */
    static byte[] rawResource(String file) throws IOException {
        try (InputStream in = new GZIPInputStream(
                FashionMnistTest.class.getResourceAsStream(Datasets.SHIPPED_FASHION_MNIST + file))) {
            return in.readAllBytes();
        }
    }

    @Test
    void shippedSubsetCountsShapesAndLabels() {
        Dataset train = shipped.train();
        Dataset test = shipped.test();
        assertEquals(10_000, train.size());
        assertEquals(2_000, test.size());
        assertEquals(784, train.featureSize());
        assertArrayEquals(new int[] {1, 28, 28}, train.sampleShape());
        assertEquals(10, train.numClasses());
        assertEquals(784L * 10_000, train.features().length);
        assertTrue(train.source().startsWith("classpath:"), train.source());
        for (Dataset d : new Dataset[] {train, test}) {
            int[] hist = new int[10];
            for (int l : d.labels()) {
                hist[l]++; // throws if out of range
            }
            for (int c = 0; c < 10; c++) {
                assertTrue(hist[c] > d.size() / 20, "class " + c + " nearly absent: " + Arrays.toString(hist));
            }
            for (float f : d.features()) {
                assertTrue(f >= 0f && f <= 1f);
            }
        }
    }

    @Test
    void firstSamplesMatchRawBytes() throws IOException {
        byte[] img = rawResource("train-images-idx3-ubyte.gz");
        byte[] lab = rawResource("train-labels-idx1-ubyte.gz");
        // Known values of Fashion-MNIST training sample 0: an ankle boot (label 9), pixel 300 = 210.
        assertEquals(9, lab[8]);
        assertEquals(210, img[16 + 300] & 0xff);
        Dataset train = shipped.train();
        assertEquals(9, train.label(0));
        assertEquals(Float.floatToRawIntBits(210 / 255f), Float.floatToRawIntBits(train.features()[300]));
        for (int s : new int[] {0, 1, 4321, 9999}) {
            assertEquals(lab[8 + s], train.label(s));
            float[] x = train.sample(s);
            for (int i = 0; i < 784; i++) {
                assertEquals(Float.floatToRawIntBits((img[16 + s * 784 + i] & 0xff) / 255f), Float.floatToRawIntBits(x[i]));
            }
        }
        byte[] tlab = rawResource("t10k-labels-idx1-ubyte.gz");
        byte[] timg = rawResource("t10k-images-idx3-ubyte.gz");
        assertEquals(9, shipped.test().label(0));
        assertEquals(tlab[8 + 1999], shipped.test().label(1999));
        assertEquals(Float.floatToRawIntBits((timg[16 + 1999 * 784 + 400] & 0xff) / 255f),
                Float.floatToRawIntBits(shipped.test().features()[1999 * 784 + 400]));
    }

    @Test
    void automaticSourceIsConsistentWithItsCounts() throws IOException {
        Datasets.TrainTest auto = Datasets.fashionMnist(null);
        if (Files.isDirectory(Datasets.DEBIAN_FASHION_MNIST)) {
            assertEquals(Datasets.DEBIAN_FASHION_MNIST.toAbsolutePath().toString(), auto.source());
            assertEquals(60_000, auto.train().size());
            assertEquals(10_000, auto.test().size());
            // The shipped subset is exactly the head of the full set.
            assertTrue(auto.train().slice(0, 10_000).contentEquals(renamed(shipped.train(), "fashion-mnist/train[0:10000]")));
            assertTrue(auto.test().slice(0, 2_000).contentEquals(renamed(shipped.test(), "fashion-mnist/test[0:2000]")));
        } else {
            assertTrue(auto.source().startsWith("classpath:"));
            assertEquals(10_000, auto.train().size());
        }
    }

    static Dataset renamed(Dataset d, String name) {
        return new Dataset(name, d.source(), d.sampleShape(), d.features(), d.labels(), d.numClasses());
    }

    @Test
    void loadsRawAndGzippedFilesFromADirectory(@TempDir Path dir) throws IOException {
        // Raw (not gzipped) train files, gzipped test files: both must load to the same content.
        Files.write(dir.resolve("train-images-idx3-ubyte"), rawResource("train-images-idx3-ubyte.gz"));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), rawResource("train-labels-idx1-ubyte.gz"));
        for (String f : new String[] {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            try (InputStream in = getClass().getResourceAsStream(Datasets.SHIPPED_FASHION_MNIST + f)) {
                Files.write(dir.resolve(f), in.readAllBytes());
            }
        }
        Datasets.TrainTest d = Datasets.fashionMnist(dir);
        assertEquals(dir.toAbsolutePath().toString(), d.source());
        assertTrue(d.train().contentEquals(shipped.train()));
        assertTrue(d.test().contentEquals(shipped.test()));

        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        IOException e = assertThrows(IOException.class, () -> Datasets.fashionMnist(dir));
        assertTrue(e.getMessage().contains("no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz in"), e.getMessage());
        e = assertThrows(IOException.class, () -> Datasets.fashionMnist(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    // ---------------------------------------------------------------- malformed IDX files

    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, 0, (byte) type, (byte) dims.length});
        for (int d : dims) {
            out.writeBytes(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    static String idxError(byte[] bytes) {
        return assertThrows(IOException.class, () -> Idx.read(new ByteArrayInputStream(bytes), "f")).getMessage();
    }

    @Test
    void idxReadsRawAndGzip() throws IOException {
        byte[] raw = idx(8, new int[] {2, 3}, new byte[] {1, 2, 3, 4, 5, (byte) 255});
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(raw);
        }
        for (byte[] b : new byte[][] {raw, gz.toByteArray()}) {
            Idx.Array a = Idx.read(new ByteArrayInputStream(b), "f");
            assertArrayEquals(new int[] {2, 3}, a.dims());
            assertEquals(255, a.unsigned(5));
        }
        byte[] bytes = gz.toByteArray();
        String m = idxError(Arrays.copyOf(bytes, bytes.length - 12));
        assertTrue(m.contains("corrupt or truncated gzip data"), m);
    }

    @Test
    void idxMalformedFilesGiveSpecificMessages() {
        assertTrue(idxError(new byte[] {0, 0, 8}).contains("is truncated: 3 bytes, shorter than the 4-byte magic"));
        byte[] bad = idx(8, new int[] {1}, new byte[] {0});
        bad[1] = 1;
        assertTrue(idxError(bad).contains("wrong magic number 0x00010801"), idxError(bad));
        assertTrue(idxError(idx(0x0D, new int[] {1}, new byte[4])).contains("element type 0x0d; only unsigned byte"));
        assertTrue(idxError(idx(8, new int[] {}, new byte[0])).contains("has 0 dimensions"));
        assertTrue(idxError(idx(8, new int[] {1, 1, 1, 1, 1}, new byte[1])).contains("has 5 dimensions"));
        byte[] shortHead = Arrays.copyOf(idx(8, new int[] {2, 3}, new byte[0]), 10);
        assertTrue(idxError(shortHead).contains("truncated inside its header"), idxError(shortHead));
        assertTrue(idxError(idx(8, new int[] {2, 3}, new byte[5])).contains("need 6 data bytes, got 5"));
        assertTrue(idxError(idx(8, new int[] {2, 3}, new byte[7])).contains("trailing bytes"));
        assertTrue(idxError(idx(8, new int[] {65536, 65536}, new byte[0])).contains("too many elements"));
    }

    @Test
    void imageDatasetValidatesCountsRanksAndLabels() throws IOException {
        Idx.Array images = new Idx.Array(new int[] {2, 1, 2}, new byte[] {0, (byte) 255, 51, 102});
        Idx.Array labels = new Idx.Array(new int[] {2}, new byte[] {3, 9});
        Dataset d = Idx.imageDataset("x", "s", images, labels, 10);
        assertArrayEquals(new float[] {0f, 1f, 51 / 255f, 102 / 255f}, d.features());
        assertArrayEquals(new int[] {3, 9}, d.labels());

        String m = assertThrows(IOException.class, () -> Idx.imageDataset("x", "s", images,
                new Idx.Array(new int[] {3}, new byte[3]), 10)).getMessage();
        assertEquals("x: image/label count mismatch: 2 images but 3 labels", m);
        m = assertThrows(IOException.class, () -> Idx.imageDataset("x", "s", images,
                new Idx.Array(new int[] {2}, new byte[] {1, 10}), 10)).getMessage();
        assertEquals("x: label of sample 1 is 10, outside [0, 10)", m);
        m = assertThrows(IOException.class, () -> Idx.imageDataset("x", "s", labels, labels, 10)).getMessage();
        assertTrue(m.contains("image file must have 3 dimensions"), m);
        m = assertThrows(IOException.class, () -> Idx.imageDataset("x", "s", images, images, 10)).getMessage();
        assertTrue(m.contains("label file must have 1 dimension"), m);
        // Label bytes are unsigned: 0xff is 255, not -1.
        m = assertThrows(IOException.class, () -> Idx.imageDataset("x", "s", images,
                new Idx.Array(new int[] {2}, new byte[] {1, (byte) 0xff}), 10)).getMessage();
        assertTrue(m.contains("is 255, outside"), m);
    }
}

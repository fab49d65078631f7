package dev.verity.tensor.data;

import static dev.verity.tensor.data.NumpyFixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NumpyDataTest {
    /** {@code x} of the dataset fixtures: {@code arange(20) / 8 - 1}, shape [5, 1, 2, 2]. */
    static float[] fixtureX(int n) {
        float[] x = new float[n * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = i / 8f - 1;
        }
        return x;
    }

    static void assertBits(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "element " + i);
        }
    }

    static String error(Path npz) {
        return assertThrows(IOException.class, () -> NumpyData.fromNpz(npz, 0)).getMessage();
    }

    @Test
    void float32ImagesAndInt64LabelsFromAnNpz() throws IOException {
        Datasets.TrainTest tt = NumpyData.fromNpz(fixture("xy.npz"), 0);
        Dataset d = tt.train();
        assertEquals("xy/train", d.name());
        assertArrayEquals(new int[] {1, 2, 2}, d.sampleShape());
        assertBits(fixtureX(5), d.features());
        assertArrayEquals(new int[] {0, 2, 1, 2, 0}, d.labels());
        assertEquals(3, d.numClasses());
        assertFalse(tt.hasTest());
        assertNull(tt.test());
        assertEquals(7, NumpyData.fromNpz(fixture("xy.npz"), 7).train().numClasses());
    }

    @Test
    void testSplitSharesTheClassCount() throws IOException {
        Datasets.TrainTest tt = NumpyData.fromNpz(fixture("xy_test.npz"), 0);
        assertTrue(tt.hasTest());
        assertEquals(4, tt.train().numClasses(), "the test split's label 3 counts");
        assertEquals(4, tt.test().numClasses());
        assertArrayEquals(new int[] {3, 1}, tt.test().labels());
        float[] x2 = fixtureX(2);
        for (int i = 0; i < x2.length; i++) {
            x2[i] *= 2;
        }
        assertBits(x2, tt.test().features());
        String msg = assertThrows(IOException.class, () -> NumpyData.fromNpz(fixture("xy_test.npz"), 3)).getMessage();
        assertTrue(msg.contains("member 'y_test'") && msg.contains("label of sample 0 is 3"), msg);
    }

    @Test
    void uint8ImagesAreByteOver255AndColumnLabelsAreAccepted() throws IOException {
        Dataset d = NumpyData.fromNpz(fixture("images_u1.npz"), 0).train();
        assertArrayEquals(new int[] {2, 2}, d.sampleShape());
        int[] px = {0, 255, 1, 128, 254, 3, 2, 127, 9, 10, 11, 12};
        float[] expected = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            expected[i] = px[i] / 255f;
        }
        assertBits(expected, d.features());
        assertArrayEquals(new int[] {1, 0, 1}, d.labels(), "big-endian int16 labels of shape [3, 1]");
        assertEquals(2, d.numClasses());
    }

    /** float64 features round to nearest like NumPy's astype(np.float32), which the fixture stores beside them. */
    @Test
    void float64FeaturesRoundAsNumpyDoes() throws IOException {
        NpzFile npz = NpzFile.read(fixture("xy_f8.npz"));
        Dataset d = NumpyData.fromNpz(fixture("xy_f8.npz"), 0).train();
        assertBits(npz.get("x_as_f4").floats(), d.features());
        assertEquals(16777216f, d.features()[5], "2^24 + 1 rounds to even");
        assertEquals(0f, d.features()[2], "1e-50 underflows to zero");
        NpyArray big = NpyArray.ofDoubles(new int[] {2, 1}, 1, 1e39);
        String msg = assertThrows(IOException.class, () -> NumpyData.features(big, "big.npy")).getMessage();
        assertTrue(msg.contains("big.npy: sample 1") && msg.contains("beyond float32's range"), msg);
    }

    @Test
    void badDataIsNamedBySampleAndMember() {
        String msg = error(fixture("bad_nan.npz"));
        assertTrue(msg.contains("bad_nan.npz member 'x'") && msg.contains("sample 2 (element 2) is NaN"), msg);
        msg = error(fixture("bad_label.npz"));
        assertTrue(msg.contains("member 'y'") && msg.contains("label of sample 2 is -1, negative"), msg);
        msg = error(fixture("bad_count.npz"));
        assertTrue(msg.contains("member 'y'") && msg.contains("4 labels for 5 samples"), msg);
        msg = error(fixture("only_x.npz"));
        assertTrue(msg.contains("only_x.npz") && msg.contains("missing member 'y'"), msg);
    }

    @Test
    void labelAndFeatureTypesAreChecked() {
        NpyArray x = NpyArray.ofFloats(new int[] {2, 1}, 1, 2);
        String msg = assertThrows(IOException.class,
                () -> NumpyData.dataset("d", "s", x, NpyArray.ofFloats(new int[] {2}, 0, 1), 0, "d.npz")).getMessage();
        assertTrue(msg.contains("d.npz labels") && msg.contains("integer type"), msg);
        msg = assertThrows(IOException.class,
                () -> NumpyData.dataset("d", "s", x, NpyArray.ofLongs(new int[] {2}, 0, 1L << 40), 0, "d.npz")).getMessage();
        assertTrue(msg.contains("label of sample 1") && msg.contains("not below 65536"), msg);
        msg = assertThrows(IOException.class,
                () -> NumpyData.dataset("d", "s", x, NpyArray.ofLongs(new int[] {2, 2}, 0, 1, 0, 1), 0, "d.npz")).getMessage();
        assertTrue(msg.contains("shape [N] or [N, 1]"), msg);
        // integer features are token ids: exact as floats up to 2^24, refused beyond
        try {
            assertArrayEquals(new float[] {1, 2}, NumpyData.dataset("d", "s", NpyArray.ofInts(new int[] {2}, 1, 2),
                    NpyArray.ofLongs(new int[] {2}, 0, 1), 0, "d.npz").features());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        msg = assertThrows(IOException.class, () -> NumpyData.dataset("d", "s", NpyArray.ofLongs(new int[] {2}, 1, 1L << 25),
                NpyArray.ofLongs(new int[] {2}, 0, 1), 0, "d.npz")).getMessage();
        assertTrue(msg.contains("d.npz features") && msg.contains("2^24"), msg);
        msg = assertThrows(IOException.class, () -> NumpyData.dataset("d", "s", NpyArray.ofFloats(new int[0], 1),
                NpyArray.ofLongs(new int[] {1}, 0), 0, "d.npz")).getMessage();
        assertTrue(msg.contains("first axis"), msg);
    }

    @Test
    void npyPairsFollowTheNamingConvention() throws IOException {
        Datasets.TrainTest tt = NumpyData.fromNpyPair(fixture("pair/x.npy"), 0);
        assertBits(fixtureX(5), tt.train().features());
        assertArrayEquals(new int[] {0, 2, 1, 2, 0}, tt.train().labels());
        assertBits(fixtureX(3), tt.test().features());
        assertArrayEquals(new int[] {1, 1, 0}, tt.test().labels());
        Path d = Path.of("data");
        assertEquals(d.resolve("y.npy"), NumpyData.labelsFile(d.resolve("x.npy")));
        assertEquals(d.resolve("y_train.npy"), NumpyData.labelsFile(d.resolve("x_train.npy")));
        assertEquals(d.resolve("mnist_y_test.npy"), NumpyData.labelsFile(d.resolve("mnist_x_test.npy")));
        assertEquals(d.resolve("images_y.npy"), NumpyData.labelsFile(d.resolve("images.npy")));
        assertEquals(d.resolve("x_test.npy"), NumpyData.testFile(d.resolve("x.npy")));
        assertEquals(d.resolve("x_test.npy"), NumpyData.testFile(d.resolve("x_train.npy")));
        assertEquals(d.resolve("test_x.npy"), NumpyData.testFile(d.resolve("train_x.npy")));
        assertEquals(d.resolve("images_test.npy"), NumpyData.testFile(d.resolve("images.npy")));
    }

    @Test
    void aMissingPartnerIsNamed(@TempDir Path dir) throws IOException {
        NpyArray.ofFloats(new int[] {2, 1}, 1, 2).write(dir.resolve("feats.npy"));
        String msg = assertThrows(IOException.class, () -> NumpyData.fromNpyPair(dir.resolve("feats.npy"), 0)).getMessage();
        assertTrue(msg.contains("no labels file") && msg.contains("feats_y.npy"), msg);
        NpyArray.ofLongs(new int[] {2}, 0, 1).write(dir.resolve("feats_y.npy"));
        assertEquals(2, NumpyData.fromNpyPair(dir.resolve("feats.npy"), 0).train().size());
        NpyArray.ofFloats(new int[] {1, 1}, 3).write(dir.resolve("feats_test.npy"));
        msg = assertThrows(IOException.class, () -> NumpyData.fromNpyPair(dir.resolve("feats.npy"), 0)).getMessage();
        assertTrue(msg.contains("no test labels file") && msg.contains("feats_test_y.npy"), msg);
    }

    @Test
    void tokenIdsMakeACorpus(@TempDir Path dir) throws IOException {
        TextCorpus c = NumpyData.corpus(fixture("tokens.npy"), 0);
        assertArrayEquals(new int[] {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5}, c.tokens());
        assertEquals(10, c.vocabSize());
        assertFalse(c.hasText());
        assertEquals(10, c.trainSize());
        assertArrayEquals(new int[] {1, 4}, c.window(TextCorpus.Split.TRAIN, 1, 2).input());
        assertThrows(IllegalStateException.class, () -> c.decode(new int[] {1}));
        TextCorpus z = NumpyData.corpus(fixture("tokens.npz"), 50);
        assertArrayEquals(new int[] {0, 1, 2, 1, 0, 7}, z.tokens());
        assertEquals(50, z.vocabSize());
        String msg = assertThrows(IOException.class, () -> NumpyData.corpus(fixture("tokens.npy"), 9)).getMessage();
        assertTrue(msg.contains("tokens.npy: token 5 is 9, outside [0, 9)"), msg);
        Path two = dir.resolve("two.npz");
        NpzFile.of(Map.of("a", NpyArray.ofInts(new int[] {1}, 1), "b", NpyArray.ofInts(new int[] {1}, 1))).write(two, false);
        msg = assertThrows(IOException.class, () -> NumpyData.corpus(two, 0)).getMessage();
        assertTrue(msg.contains("missing member 'tokens'"), msg);
        Path floats = dir.resolve("f.npy");
        NpyArray.ofFloats(new int[] {2}, 1, 2).write(floats);
        msg = assertThrows(IOException.class, () -> NumpyData.corpus(floats, 0)).getMessage();
        assertTrue(msg.contains("1-D integer array"), msg);
        Path huge = dir.resolve("huge.npy");
        NpyArray.ofLongs(new int[] {2}, 1, 1L << 24).write(huge);
        msg = assertThrows(IOException.class, () -> NumpyData.corpus(huge, 0)).getMessage();
        assertTrue(msg.contains("huge.npy: token 1 is 16777216, outside [0, 16777216)"), msg);
        assertThrows(IllegalArgumentException.class, () -> TextCorpus.ofTokens("t", "s", new int[] {0, 3}, 3));
        assertThrows(IllegalArgumentException.class, () -> TextCorpus.ofTokens("t", "s", new int[0], 3));
    }
}

package dev.verity.tensor.data;

import static dev.verity.tensor.data.NumpyFixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFilesTest {
    static String error(Path p) {
        return assertThrows(IOException.class, () -> DataFiles.open(p)).getMessage();
    }

    @Test
    void numpyFilesByExtension() throws IOException {
        assertTrue(DataFiles.open(fixture("xy.npz")).train().contentEquals(NumpyData.fromNpz(fixture("xy.npz"), 0).train()));
        Datasets.TrainTest pair = DataFiles.open(fixture("pair/x.npy"));
        assertEquals(5, pair.train().size());
        assertEquals(3, pair.test().size());
        assertEquals(9, DataFiles.open(fixture("xy.npz"), 9).train().numClasses());
    }

    @Test
    void csvHasNoTestSplit(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("iris.csv");
        Files.writeString(f, "a,b,label\n0.5,1,0\n2,3,1\n");
        Datasets.TrainTest tt = DataFiles.open(f);
        assertFalse(tt.hasTest());
        assertArrayEquals(new float[] {0.5f, 1, 2, 3}, tt.train().features());
        assertEquals(2, tt.train().numClasses());
    }

    /** Writes an MNIST-layout IDX file of unsigned bytes. */
    static void idx(Path file, int[] dims, int[] data) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
                OutputStream out = file.toString().endsWith(".gz") ? new GZIPOutputStream(raw) : raw) {
            out.write(new byte[] {0, 0, 8, (byte) dims.length});
            for (int d : dims) {
                out.write(new byte[] {0, 0, (byte) (d >> 8), (byte) d});
            }
            for (int v : data) {
                out.write(v);
            }
        }
    }

    @Test
    void idxFilesAndFolders(@TempDir Path dir) throws IOException {
        idx(dir.resolve("train-images-idx3-ubyte.gz"), new int[] {2, 1, 2}, new int[] {0, 255, 51, 102});
        idx(dir.resolve("train-labels-idx1-ubyte.gz"), new int[] {2}, new int[] {4, 1});
        Datasets.TrainTest tt = DataFiles.open(dir.resolve("train-images-idx3-ubyte.gz"));
        assertArrayEquals(new float[] {0, 1, 51 / 255f, 102 / 255f}, tt.train().features());
        assertEquals(5, tt.train().numClasses());
        assertFalse(tt.hasTest());
        idx(dir.resolve("t10k-images-idx3-ubyte"), new int[] {1, 1, 2}, new int[] {7, 8});
        idx(dir.resolve("t10k-labels-idx1-ubyte"), new int[] {1}, new int[] {6});
        tt = DataFiles.open(dir);
        assertEquals(7, tt.train().numClasses(), "the test label 6 counts");
        assertArrayEquals(new int[] {6}, tt.test().labels());
        assertArrayEquals(new int[] {1, 1, 2}, tt.test().sampleShape());
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte"));
        assertTrue(error(dir).contains("no label file t10k-labels-idx1-ubyte"), error(dir));
    }

    @Test
    void imageFoldersWithAndWithoutSplits(@TempDir Path dir) throws IOException {
        ImageFolderTest.save(ImageFolderTest.gray(1, 2, 2), dir.resolve("one/cat/1.png"), "png");
        ImageFolderTest.save(ImageFolderTest.gray(2, 2, 2), dir.resolve("one/dog/1.png"), "png");
        Datasets.TrainTest one = DataFiles.open(dir.resolve("one"));
        assertEquals(2, one.train().numClasses());
        assertFalse(one.hasTest());
        String msg = assertThrows(IOException.class, () -> DataFiles.open(dir.resolve("one"), 3)).getMessage();
        assertTrue(msg.contains("2 class folders, but 3"), msg);
        for (String split : new String[] {"train", "test"}) {
            ImageFolderTest.save(ImageFolderTest.gray(3, 2, 2), dir.resolve("two/" + split + "/cat/1.png"), "png");
            ImageFolderTest.save(ImageFolderTest.gray(4, 2, 2), dir.resolve("two/" + split + "/dog/1.png"), "png");
        }
        Datasets.TrainTest two = DataFiles.open(dir.resolve("two"));
        assertEquals("two/train", two.train().name());
        assertEquals("two/test", two.test().name());
        assertArrayEquals(new int[] {0, 1}, two.test().labels());
        Files.delete(dir.resolve("two/test/dog/1.png"));
        Files.delete(dir.resolve("two/test/dog"));
        msg = error(dir.resolve("two"));
        assertTrue(msg.contains("class folders [cat] differ from the expected [cat, dog]"), msg);
    }

    @Test
    void unknownPathsSayWhatIsSupported(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("data.parquet"), "x");
        String msg = error(f);
        assertTrue(msg.contains("data.parquet") && msg.contains("supported: .npz") && msg.contains("folder"), msg);
        assertTrue(error(dir.resolve("nothing.npz")).contains("no such file or folder"));
    }

    @Test
    void corporaFromTokenIdsOrText(@TempDir Path dir) throws IOException {
        TextCorpus ids = DataFiles.corpus(fixture("tokens.npy"));
        assertFalse(ids.hasText());
        assertEquals(11, ids.size());
        Path txt = Files.writeString(dir.resolve("poem.txt"), "abcab");
        TextCorpus text = DataFiles.corpus(txt);
        assertTrue(text.hasText());
        assertEquals("poem", text.name());
        assertEquals("abcab", text.decode(text.tokens()));
    }
}

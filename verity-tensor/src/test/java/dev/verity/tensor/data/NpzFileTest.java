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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzFileTest {
    static String error(Path file) {
        return assertThrows(IOException.class, () -> NpzFile.read(file)).getMessage();
    }

    @Test
    void readsStoredAndDeflatedArchives() throws IOException {
        NpzFile stored = NpzFile.read(fixture("xy.npz"));
        assertEquals(List.of("x", "y"), List.copyOf(stored.arrays().keySet()));
        assertArrayEquals(new int[] {5, 1, 2, 2}, stored.get("x").shape());
        assertArrayEquals(new long[] {0, 2, 1, 2, 0}, stored.get("y").longs());
        NpzFile deflated = NpzFile.read(fixture("xy_test.npz"));
        assertEquals(List.of("x", "x_test", "y", "y_test"), List.copyOf(deflated.arrays().keySet()));
        assertEquals(stored.get("x"), deflated.get("x"));
        assertArrayEquals(new long[] {3, 1}, deflated.get("y_test").longs());
        assertEquals(NpyArray.ElementType.UINT8, deflated.get("y_test").type());
    }

    @Test
    void missingMemberNamesArchiveMemberAndWhatIsThere() throws IOException {
        NpzFile npz = NpzFile.read(fixture("only_x.npz"));
        String msg = assertThrows(IOException.class, () -> npz.get("y")).getMessage();
        assertTrue(msg.contains("only_x.npz") && msg.contains("missing member 'y'") && msg.contains("[x]"), msg);
        assertFalse(npz.has("y"));
    }

    @Test
    void refusesMembersThatAreNotArraysAndFilesThatAreNotZips(@TempDir Path dir) throws IOException {
        String msg = error(fixture("not_npy_member.npz"));
        assertTrue(msg.contains("not_npy_member.npz") && msg.contains("'readme.txt' is not a .npy"), msg);
        Path junk = dir.resolve("junk.npz");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        msg = error(junk);
        assertTrue(msg.contains("junk.npz") && msg.contains("not a readable .npz"), msg);
    }

    @Test
    void aBadMemberIsNamedWithItsArchive(@TempDir Path dir) throws IOException {
        byte[] npy = NpyArray.ofFloats(new int[] {4}, 1, 2, 3, 4).toBytes();
        Path f = dir.resolve("cut.npz");
        try (OutputStream out = Files.newOutputStream(f); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("w.npy"));
            zip.write(Arrays.copyOf(npy, npy.length - 3));
            zip.closeEntry();
        }
        String msg = error(f);
        assertTrue(msg.contains("cut.npz member 'w'") && msg.contains("truncated"), msg);
    }

    @Test
    void corruptDataIsCaughtByTheCrc(@TempDir Path dir) throws IOException {
        byte[] zip = Files.readAllBytes(fixture("xy.npz"));
        // The last bytes of the first stored member are x's data: flip one of them.
        byte[] npyX = NpyArray.read(fixture("xy.npz").resolveSibling("pair/x.npy")).toBytes();
        int at = indexOf(zip, npyX) + npyX.length - 1;
        assertTrue(at > npyX.length, "found x's bytes in the stored archive");
        zip[at] ^= 1;
        Path f = dir.resolve("flipped.npz");
        Files.write(f, zip);
        String msg = error(f);
        assertTrue(msg.contains("flipped.npz member 'x'") && msg.contains("CRC mismatch"), msg);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void writtenArchivesReadBackIdenticallyAndDeterministically(@TempDir Path dir) throws IOException {
        NpzFile npz = NpzFile.of(Map.of("y", NpyArray.ofLongs(new int[] {3}, 2, 0, 1), "x",
                NpyArray.ofFloats(new int[] {3, 2}, 0.5f, -1, Float.MIN_NORMAL, 7, 8, -0f)));
        for (boolean compressed : new boolean[] {false, true}) {
            Path f = dir.resolve("w" + compressed + ".npz");
            npz.write(f, compressed);
            NpzFile back = NpzFile.read(f);
            assertEquals(npz.arrays(), back.arrays());
            assertArrayEquals(npz.toBytes(compressed), Files.readAllBytes(f), "same bytes every time");
        }
        assertFalse(Arrays.equals(npz.toBytes(false), npz.toBytes(true)));
        // Stored members hold np.save's bytes untouched.
        assertTrue(indexOf(npz.toBytes(false), npz.get("x").toBytes()) > 0);
    }
}

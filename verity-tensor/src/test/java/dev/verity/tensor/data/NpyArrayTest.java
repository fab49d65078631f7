package dev.verity.tensor.data;

import static dev.verity.tensor.data.NumpyFixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.data.NpyArray.ElementType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NpyArrayTest {
    private static final Map<String, ElementType> NUMPY_NAMES = Map.of("bool", ElementType.BOOL, "int8",
            ElementType.INT8, "uint8", ElementType.UINT8, "int16", ElementType.INT16, "uint16", ElementType.UINT16,
            "int32", ElementType.INT32, "int64", ElementType.INT64, "float32", ElementType.FLOAT32, "float64",
            ElementType.FLOAT64);

    /** Every fixture's type, shape and element bits are what NumPy listed in expected.txt. */
    @Test
    void readsEveryFixtureBitForBitAsNumpyWroteIt() throws IOException {
        List<String> lines = Files.readAllLines(fixture("expected.txt"));
        assertEquals(18, lines.size());
        for (String line : lines) {
            String[] f = line.split(" ");
            NpyArray a = NpyArray.read(fixture(f[0] + ".npy"));
            assertEquals(NUMPY_NAMES.get(f[1]), a.type(), f[0]);
            int[] shape = f[2].equals("-") ? new int[0] : Arrays.stream(f[2].split(",")).mapToInt(Integer::parseInt).toArray();
            assertArrayEquals(shape, a.shape(), f[0]);
            assertArrayEquals(f[3].equals("-") ? new byte[0] : HexFormat.of().parseHex(f[3]), a.data(), f[0]);
        }
    }

    @Test
    void valuesComeOutAsNumpyHasThem() throws IOException {
        float[] f = NpyArray.read(fixture("f4_be.npy")).floats();
        int[] bits = {0x00000000, 0x80000000, 0x3FC00000, 0x00000001, 0x7F7FFFFF, 0x7FC12345};
        for (int i = 0; i < bits.length; i++) {
            assertEquals(bits[i], Float.floatToRawIntBits(f[i]), "element " + i);
        }
        assertArrayEquals(new double[] {0.1, -2.5e-310, 1e308, Double.NEGATIVE_INFINITY},
                NpyArray.read(fixture("f8_be.npy")).doubles());
        assertArrayEquals(new long[] {Long.MIN_VALUE, -3, 5, Long.MAX_VALUE}, NpyArray.read(fixture("i8_be.npy")).longs());
        assertArrayEquals(new long[] {0, 1, 40000, 65535}, NpyArray.read(fixture("u2_be.npy")).longs());
        assertArrayEquals(new long[] {-32768, -2, 1, 32767}, NpyArray.read(fixture("i2_le.npy")).longs());
        assertArrayEquals(new long[] {-128, -1, 0, 127}, NpyArray.read(fixture("i1.npy")).longs());
        assertArrayEquals(new long[] {0, 32, 64, 96, 128, 160, 192, 224}, NpyArray.read(fixture("u1.npy")).longs());
        assertArrayEquals(new long[] {1, 0, 0, 1, 1}, NpyArray.read(fixture("b1.npy")).longs());
        NpyArray scalar = NpyArray.read(fixture("scalar.npy"));
        assertEquals(0, scalar.rank());
        assertArrayEquals(new float[] {2.75f}, scalar.floats());
        assertEquals(0, NpyArray.read(fixture("empty.npy")).count());
    }

    @Test
    void bigEndianFilesEqualTheirLittleEndianTwins() throws IOException {
        for (String t : List.of("f4", "f8", "i2", "u2", "i4", "i8")) {
            NpyArray le = NpyArray.read(fixture(t + "_le.npy"));
            assertEquals(le, NpyArray.read(fixture(t + "_be.npy")), t);
            assertNotEquals(Arrays.toString(Files.readAllBytes(fixture(t + "_le.npy"))),
                    Arrays.toString(Files.readAllBytes(fixture(t + "_be.npy"))), t + ": the fixtures differ on disk");
        }
    }

    @Test
    void formatVersionsTwoAndThreeRead() throws IOException {
        NpyArray expected = NpyArray.ofFloats(new int[] {2, 3}, 0, 1, 2, 3, 4, 5);
        assertEquals(expected, NpyArray.read(fixture("v2.npy")));
        assertEquals(expected, NpyArray.read(fixture("v3.npy")));
        assertEquals(2, Files.readAllBytes(fixture("v2.npy"))[6]);
        assertEquals(3, Files.readAllBytes(fixture("v3.npy"))[6]);
    }

    /** The writer gives exactly np.save's bytes: for Java-built arrays and for every little-endian fixture. */
    @Test
    void writerMatchesNumpyByteForByte() throws IOException {
        float[] f = new float[6];
        for (int i = 0; i < 6; i++) {
            f[i] = i * 0.5f - 1;
        }
        assertArrayEquals(Files.readAllBytes(fixture("writer_f4.npy")), NpyArray.ofFloats(new int[] {2, 3}, f).toBytes());
        assertArrayEquals(Files.readAllBytes(fixture("writer_i8.npy")),
                NpyArray.ofLongs(new int[] {3}, -(1L << 40), 0, 7).toBytes());
        assertArrayEquals(Files.readAllBytes(fixture("writer_scalar.npy")), NpyArray.ofFloats(new int[0], -1.25f).toBytes());
        for (String line : Files.readAllLines(fixture("expected.txt"))) {
            String name = line.split(" ")[0];
            if (!name.endsWith("_be")) {
                assertArrayEquals(Files.readAllBytes(fixture(name + ".npy")), NpyArray.read(fixture(name + ".npy")).toBytes(),
                        name);
            }
        }
    }

    @Test
    void writtenFilesReadBackIdentically(@TempDir Path dir) throws IOException {
        List<NpyArray> arrays = List.of(NpyArray.ofFloats(new int[] {2, 2}, 1, Float.NaN, -0f, Float.MIN_VALUE),
                NpyArray.ofDoubles(new int[] {1}, Math.PI), NpyArray.ofInts(new int[] {1, 1, 2}, -7, 9),
                NpyArray.ofLongs(new int[] {0}), NpyArray.ofUnsignedBytes(new int[] {3}, (byte) 255, (byte) 0, (byte) 128));
        for (NpyArray a : arrays) {
            Path p = dir.resolve("a.npy");
            a.write(p);
            NpyArray back = NpyArray.read(p);
            assertEquals(a, back);
            assertArrayEquals(a.data(), back.data());
        }
    }

    @ParameterizedTest
    @CsvSource({"fortran.npy, fortran_order is True", "object.npy, object array", "structured.npy, structured",
            "complex.npy, unknown or unsupported dtype '<c8'", "uint32.npy, unknown or unsupported dtype '<u4'"})
    void refusesWhatItDoesNotSupport(String file, String words) {
        String msg = assertThrows(IOException.class, () -> NpyArray.read(fixture(file))).getMessage();
        assertTrue(msg.contains(file) && msg.contains(words), msg);
    }

    /** A version 1.0 file of a header dict and data, padded like NumPy's. */
    static byte[] npy(String dict, byte[] data) {
        String header = dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(NpyArray.MAGIC);
        out.writeBytes(new byte[] {1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    static String error(byte[] file) {
        return assertThrows(IOException.class, () -> NpyArray.parse(file, "bad.npy")).getMessage();
    }

    static void assertError(byte[] file, String... words) {
        String msg = error(file);
        assertTrue(msg.startsWith("bad.npy: "), msg);
        for (String w : words) {
            assertTrue(msg.contains(w), "'" + w + "' missing from: " + msg);
        }
    }

    @Test
    void theHelperMakesValidFiles() throws IOException {
        byte[] f = npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", new byte[] {1, 0, 0, 0, 2, 0, 0, 0});
        assertEquals(NpyArray.ofInts(new int[] {2}, 1, 2), NpyArray.parse(f, "ok.npy"));
        // The header's keys may come in any order, with double quotes and no trailing comma.
        f = npy("{\"shape\": (1, 2), \"fortran_order\": False, \"descr\": \"|u1\"}", new byte[] {3, 4});
        assertEquals(NpyArray.ofUnsignedBytes(new int[] {1, 2}, (byte) 3, (byte) 4), NpyArray.parse(f, "ok.npy"));
    }

    @Test
    void malformedFilesNameWhatIsWrong() throws IOException {
        String f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }";
        byte[] good = Files.readAllBytes(fixture("writer_f4.npy"));
        assertError(Arrays.copyOf(good, good.length - 1), "truncated", "needs 24 data bytes", "has 23");
        assertError(Arrays.copyOf(good, good.length + 4), "trailing bytes");
        assertError(Arrays.copyOf(good, 9), "truncated");
        assertError(Arrays.copyOf(good, 60), "truncated header");
        byte[] magic = good.clone();
        magic[1] = 'X';
        assertError(magic, "bad magic");
        assertError("PK\u0003\u0004 not npy".getBytes(StandardCharsets.ISO_8859_1), "bad magic");
        byte[] version = good.clone();
        version[6] = 4;
        assertError(version, "unsupported .npy format version 4.0");
        assertError(npy(f4.formatted("(2147483647, 2147483647, 2147483647)"), new byte[0]), "element count that overflows");
        assertError(npy(f4.formatted("(2147483647, 2)"), new byte[0]), "more than one Java array");
        assertError(npy(f4.formatted("(2, 4)"), new byte[24]), "needs 32 data bytes", "truncated");
        assertError(npy(f4.formatted("(3000000000,)"), new byte[0]), "dimension 3000000000 is larger");
        assertError(npy(f4.formatted("(3)"), new byte[12]), "not a tuple");
        assertError(npy(f4.formatted("(-1,)"), new byte[0]), "expected a dimension");
        assertError(npy(f4.formatted("(2 3,)"), new byte[8]), "expected ')'");
        assertError(npy("{'descr': '<f4', 'fortran_order': False}", new byte[4]), "missing key 'shape'");
        assertError(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'extra': 1}", new byte[4]),
                "unexpected key 'extra'");
        assertError(npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}", new byte[4]),
                "'descr' appears twice");
        assertError(npy("{'descr': '=f4', 'fortran_order': False, 'shape': ()}", new byte[4]), "no definite byte order");
        assertError(npy("{'descr': '|i4', 'fortran_order': False, 'shape': ()}", new byte[4]), "no definite byte order");
        assertError(npy("{'descr': '<f2', 'fortran_order': False, 'shape': ()}", new byte[2]), "unknown", "'<f2'");
        assertError(npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': ()}", new byte[4]), "True or False");
        assertError(npy("{'descr': '<f4', 'fortran_order': False, 'shape': ()} junk", new byte[4]), "after the closing");
        assertError(npy("{'descr': '<f4, 'fortran_order': False, 'shape': ()}", new byte[4]), "header");
        assertError(npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,)}", new byte[] {1, 2}), "bool element 1",
                "byte 2");
    }

    @Test
    void constructorChecksTheDataLength() {
        assertThrows(IllegalArgumentException.class, () -> new NpyArray(ElementType.INT32, new int[] {2}, new byte[7]));
        assertThrows(IllegalArgumentException.class, () -> new NpyArray(ElementType.INT32, new int[] {-1}, new byte[0]));
        assertThrows(IllegalStateException.class, () -> NpyArray.ofInts(new int[] {1}, 1).floats());
        assertThrows(IllegalStateException.class, () -> NpyArray.ofFloats(new int[] {1}, 1).longs());
    }
}

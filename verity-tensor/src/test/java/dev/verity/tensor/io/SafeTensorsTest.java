package dev.verity.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    static final int[] NAN_BITS = {0x7fc00000, 0xffc00000, 0x7fc00123, 0xffbfffff, 0x7f800001, 0x7fa5a5a5};

    static LinkedHashMap<String, Tensor> randomTensors(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        int[][] shapes = {{3, 5}, {}, {0, 4}, {7}, {2, 3, 4}, {1, 1, 1, 1}, {33}};
        String[] names = {"z.weight", "scalar", "empty", "a.bias", "conv", "ones", "nan\u00e9\"\\/ name"};
        for (int i = 0; i < shapes.length; i++) {
            Tensor t = Tensor.zeros(shapes[i]);
            float[] d = t.data();
            for (int k = 0; k < d.length; k++) {
                int kind = r.nextInt(8);
                d[k] = kind == 0 ? Float.intBitsToFloat(NAN_BITS[r.nextInt(NAN_BITS.length)])
                        : kind == 1 ? Float.intBitsToFloat(r.nextInt()) // any bits: subnormals, infinities, -0
                        : (float) r.nextGaussian();
            }
            m.put(names[i], t);
        }
        return m;
    }

    static void assertBitEqual(LinkedHashMap<String, Tensor> expected, LinkedHashMap<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        for (String k : expected.keySet()) {
            Tensor e = expected.get(k);
            Tensor a = actual.get(k);
            assertArrayEquals(e.shape(), a.shape(), k);
            for (int i = 0; i < e.size(); i++) {
                assertEquals(Float.floatToRawIntBits(e.get(i)), Float.floatToRawIntBits(a.get(i)), k + "[" + i + "]");
            }
        }
    }

    @Test
    void roundTripIsBitwiseIncludingNanPayloads(@TempDir Path dir) throws IOException {
        for (long seed = 1; seed <= 5; seed++) {
            LinkedHashMap<String, Tensor> t = randomTensors(seed);
            Map<String, String> meta = Map.of("format", "pt", "step", "17", "note", "\u00fcber");
            Path f = dir.resolve("m" + seed + ".safetensors");
            SafeTensors.write(f, t, meta);
            SafeTensors.Contents c = SafeTensors.read(f);
            assertBitEqual(t, c.tensors());
            assertEquals(meta, c.metadata());
            assertArrayEquals(SafeTensors.toBytes(t, meta), Files.readAllBytes(f));
            assertBitEqual(t, SafeTensors.fromBytes(Files.readAllBytes(f)).tensors());
        }
        // Explicit NaN payloads survive (including a signalling NaN, 0x7f800001).
        float[] nans = new float[NAN_BITS.length];
        for (int i = 0; i < nans.length; i++) {
            nans[i] = Float.intBitsToFloat(NAN_BITS[i]);
        }
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("n", Tensor.of(new int[] {nans.length}, nans));
        float[] back = SafeTensors.fromBytes(SafeTensors.toBytes(m, Map.of())).get("n").data();
        for (int i = 0; i < nans.length; i++) {
            assertEquals(NAN_BITS[i], Float.floatToRawIntBits(back[i]));
        }
        // No temporary files are left behind.
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(5, s.count());
        }
    }

    @Test
    void bytesAreDeterministicAndIndependentOfTheMetadataMapType(@TempDir Path dir) throws IOException {
        LinkedHashMap<String, Tensor> t = randomTensors(9);
        Map<String, String> a = new LinkedHashMap<>();
        a.put("b", "2");
        a.put("a", "1");
        a.put("c", "3");
        Map<String, String> b = new HashMap<>(Map.of("c", "3", "a", "1", "b", "2"));
        assertArrayEquals(SafeTensors.toBytes(t, a), SafeTensors.toBytes(t, b));
        Path f = dir.resolve("x.safetensors");
        SafeTensors.write(f, t, a);
        byte[] first = Files.readAllBytes(f);
        SafeTensors.write(f, randomTensors(10), Map.of()); // overwrite with something else
        SafeTensors.write(f, t, b);
        assertArrayEquals(first, Files.readAllBytes(f));
        // The buffer starts 8-byte aligned.
        long n = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, (8 + n) % 8);
    }

    /** A file per the spec, built by hand byte for byte, and what write() makes of the same tensors. */
    @Test
    void byteExactFixture() throws IOException {
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]}}";
        assertEquals(138, json.length());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {(byte) 144, 0, 0, 0, 0, 0, 0, 0}); // 138 + 6 padding spaces = 144, LE u64
        expected.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        expected.writeBytes("      ".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(new byte[] {0, 0, (byte) 0x80, 0x3f}); // 1.0f  = 0x3f800000
        expected.writeBytes(new byte[] {0, 0, 0, (byte) 0xc0}); // -2.0f = 0xc0000000
        expected.writeBytes(new byte[] {0, 0, 0, 0x3f}); // 0.5f  = 0x3f000000
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        t.put("a", Tensor.of(new int[] {2}, 1f, -2f));
        t.put("b", Tensor.of(new int[] {}, 0.5f));
        assertArrayEquals(expected.toByteArray(), SafeTensors.toBytes(t, Map.of("format", "pt")));
        SafeTensors.Contents c = SafeTensors.fromBytes(expected.toByteArray());
        assertBitEqual(t, c.tensors());
        assertEquals(Map.of("format", "pt"), c.metadata());
    }

    @Test
    void readsAFileWrittenByNumpy() throws IOException {
        byte[] bytes;
        try (InputStream in = getClass().getResourceAsStream("numpy_interop.safetensors")) {
            bytes = in.readAllBytes();
        }
        SafeTensors.Contents c = SafeTensors.fromBytes(bytes);
        // Data order, not header order (the header lists bias first and empty last).
        assertEquals(List.of("weight", "empty", "nan_payloads", "scalar", "bias"), List.copyOf(c.tensors().keySet()));
        assertEquals(Map.of("producer", "numpy", "format", "np"), c.metadata());
        Tensor w = c.get("weight");
        assertArrayEquals(new int[] {2, 3}, w.shape());
        for (int i = 0; i < 6; i++) {
            assertEquals(Float.floatToRawIntBits(i / 7f), Float.floatToRawIntBits(w.get(i))); // numpy float32 i / 7
        }
        assertArrayEquals(new int[] {0, 3}, c.get("empty").shape());
        int[] nanBits = {0x7fc00123, 0xffc00000, 0x7f800001, 0x80000000, 0x7f800000};
        for (int i = 0; i < nanBits.length; i++) {
            assertEquals(nanBits[i], Float.floatToRawIntBits(c.get("nan_payloads").get(i)));
        }
        assertArrayEquals(new int[] {}, c.get("scalar").shape());
        assertEquals(3.25f, c.get("scalar").get(0));
        assertEquals(-1.5f, c.get("bias").get(0));
        assertEquals(Float.MIN_VALUE, c.get("bias").get(1));
    }

    // ------------------------------------------------------------------------- malformed files

    static byte[] file(String header, int bufferBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + bufferBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    static String error(byte[] bytes) {
        return assertThrows(IOException.class, () -> SafeTensors.fromBytes(bytes)).getMessage();
    }

    static String error(String header, int bufferBytes) {
        return error(file(header, bufferBytes));
    }

    static String entry(String name, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    static void assertContains(String expected, String message) {
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    @Test
    void headerLengthAndJsonErrors() {
        assertEquals("<bytes>: file is 5 bytes, shorter than the 8-byte header length", error(new byte[5]));
        byte[] big = new byte[16];
        ByteBuffer.wrap(big).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_001L);
        assertEquals("<bytes>: header length 100000001 exceeds the limit of 100000000 bytes", error(big));
        ByteBuffer.wrap(big).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L);
        assertEquals("<bytes>: header length 18446744073709551615 exceeds the limit of 100000000 bytes", error(big));
        ByteBuffer.wrap(big).order(ByteOrder.LITTLE_ENDIAN).putLong(9);
        assertEquals("<bytes>: header length 9 runs past the end of the file (16 bytes, so at most 8 header bytes)",
                error(big));
        assertContains("must be a JSON object starting with '{'", error("[1,2]", 0));
        assertContains("must be a JSON object starting with '{'", error("", 0));
        assertContains("invalid JSON header: ", error("{\"a\":", 0));
        assertContains("invalid JSON header: ", error("{'a':1}", 0));
        assertContains("invalid JSON header: trailing content after the header object", error("{}{}", 0));
        byte[] badUtf8 = file("{\"a\u00e9\":{}}", 0);
        badUtf8[8 + 4] = (byte) 0xff; // break the two-byte sequence of é
        assertContains("invalid JSON header: ", error(badUtf8));
        assertEquals("<bytes>: duplicate tensor name 'w' in the header",
                error("{" + entry("w", "[1]", 0, 4) + "," + entry("w", "[1]", 4, 8) + "}", 8));
        assertContains("invalid JSON header: ", error("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[],"
                + "\"data_offsets\":[0,4]}}", 4));
    }

    @Test
    void entryErrors() throws IOException {
        assertEquals("<bytes>: tensor 'w': entry must be a JSON object, got ARRAY", error("{\"w\":[1]}", 0));
        assertEquals("<bytes>: tensor 'w': missing field 'dtype'", error("{\"w\":{\"shape\":[],\"data_offsets\":[0,4]}}", 4));
        assertEquals("<bytes>: tensor 'w': missing field 'shape'", error("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4));
        assertEquals("<bytes>: tensor 'w': missing field 'data_offsets'", error("{\"w\":{\"dtype\":\"F32\",\"shape\":[]}}", 4));
        assertEquals("<bytes>: tensor 'w': unexpected field 'foo' (expected dtype, shape, data_offsets)",
                error("{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"foo\":1}}", 4));
        assertEquals("<bytes>: tensor 'w': 'dtype' must be a string, got NUMBER",
                error("{\"w\":{\"dtype\":32,\"shape\":[],\"data_offsets\":[0,4]}}", 4));
        assertEquals("<bytes>: tensor 'w': unsupported dtype 'F64' (a valid safetensors dtype, but Verity reads only F32;"
                + " convert to float32 before saving)", error("{\"w\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}", 8));
        assertContains("unsupported dtype 'I64'", error("{\"w\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", 8));
        assertContains("unsupported dtype 'I32'", error("{\"w\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4));
        assertEquals("<bytes>: tensor 'w': unsupported dtype 'float' (not a safetensors dtype; only F32 is supported)",
                error("{\"w\":{\"dtype\":\"float\",\"shape\":[],\"data_offsets\":[0,4]}}", 4));
        for (String shape : new String[] {"[-1]", "[1.5]", "[\"2\"]", "3", "[4294967296]"}) {
            assertContains("'shape' must be an array of non-negative integers", error("{" + entry("w", shape, 0, 4) + "}", 4));
        }
        for (String off : new String[] {"[0]", "[0,4,8]", "[-4,0]", "[0,4.0]", "null", "[0,99999999999999999999999]"}) {
            assertContains("'data_offsets' must be [begin, end] with non-negative integers",
                    error("{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":" + off + "}}", 4));
        }
        assertEquals("<bytes>: tensor 'w': data_offsets [4, 0] have begin > end", error("{" + entry("w", "[]", 4, 0) + "}", 4));
        assertEquals("<bytes>: tensor 'w': data_offsets [0, 12] run past the end of the data buffer (8 bytes)",
                error("{" + entry("w", "[3]", 0, 12) + "}", 8));
        assertEquals("<bytes>: tensor 'w': shape [2, 3] of F32 needs 24 bytes, but data_offsets [0, 20] span 20",
                error("{" + entry("w", "[2,3]", 0, 20) + "}", 20));
        assertContains("needs more than 2^63 bytes",
                error("{" + entry("w", "[2147483647,2147483647,2147483647]", 0, 4) + "}", 4));
        // 2^31 * 2^31 * 2 * 2 = 2^64 elements: wraps to 0 in naive long arithmetic.
        assertContains("needs more than 2^63 bytes",
                error("{" + entry("w", "[2147483647,2147483647,4,4]", 0, 0) + "}", 0));
        // A zero dimension anywhere makes an empty tensor, however large the others.
        assertEquals(0, SafeTensors.fromBytes(file("{" + entry("w", "[2147483647,2147483647,0]", 0, 0) + "}", 0))
                .get("w").size());
        assertContains("'__metadata__' must be a JSON object of strings, got ARRAY",
                error("{\"__metadata__\":[]," + entry("w", "[]", 0, 4) + "}", 4));
        assertEquals("<bytes>: '__metadata__' value of 'k' must be a string, got NUMBER",
                error("{\"__metadata__\":{\"k\":1}," + entry("w", "[]", 0, 4) + "}", 4));
    }

    @Test
    void layoutErrors() {
        assertEquals("<bytes>: tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]",
                error("{" + entry("a", "[2]", 0, 8) + "," + entry("b", "[2]", 4, 12) + "}", 12));
        assertEquals("<bytes>: bytes [4, 8) of the data buffer belong to no tensor (gap before tensor 'b')",
                error("{" + entry("a", "[1]", 0, 4) + "," + entry("b", "[1]", 8, 12) + "}", 12));
        assertEquals("<bytes>: bytes [0, 4) of the data buffer belong to no tensor (gap before tensor 'a')",
                error("{" + entry("a", "[1]", 4, 8) + "}", 8));
        assertEquals("<bytes>: the data buffer has 4 bytes after the last tensor (tensors cover [0, 8) of 12)",
                error("{" + entry("a", "[2]", 0, 8) + "}", 12));
        assertEquals("<bytes>: the data buffer has 4 bytes after the last tensor (tensors cover [0, 0) of 4)",
                error("{}", 4));
        // Same range twice is an overlap, whatever the header order.
        assertContains("overlap tensor", error("{" + entry("b", "[1]", 0, 4) + "," + entry("a", "[1]", 0, 4) + "}", 4));
    }

    @Test
    void tensorSizeLimitIsConfigurable(@TempDir Path dir) throws IOException {
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        t.put("small", Tensor.zeros(2));
        t.put("big", Tensor.zeros(3));
        Path f = dir.resolve("l.safetensors");
        SafeTensors.write(f, t, Map.of());
        assertEquals(2, SafeTensors.read(f, 12).tensors().size());
        String m = assertThrows(IOException.class, () -> SafeTensors.read(f, 11)).getMessage();
        assertEquals(f + ": tensor 'big': 12 bytes is over the tensor size limit of 11 bytes", m);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(f, -1));
    }

    @Test
    void emptyFileAndWriterValidation(@TempDir Path dir) throws IOException {
        SafeTensors.Contents c = SafeTensors.fromBytes(SafeTensors.toBytes(new LinkedHashMap<>(), Map.of()));
        assertTrue(c.tensors().isEmpty());
        assertTrue(c.metadata().isEmpty());
        LinkedHashMap<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("__metadata__", Tensor.zeros(1));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.toBytes(bad, Map.of()));
        LinkedHashMap<String, Tensor> nul = new LinkedHashMap<>();
        nul.put("x", null);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.toBytes(nul, Map.of()));
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("k", null);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.toBytes(new LinkedHashMap<>(), nullValue));
        // A failed write leaves neither the target nor a temporary file.
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(dir.resolve("f"), bad, Map.of()));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
        String m = assertThrows(IOException.class, () -> SafeTensors.read(dir.resolve("missing"))).getClass().getName();
        assertTrue(m.contains("NoSuchFile"), m);
    }
}

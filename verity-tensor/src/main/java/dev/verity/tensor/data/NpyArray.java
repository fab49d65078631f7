package dev.verity.tensor.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * One NumPy array as a {@code .npy} file holds it: an element type, a shape and the elements in C
 * (row-major) order.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0, the element types of {@link ElementType},
 * little- and big-endian data ({@code '<'}, {@code '>'}; {@code '|'} for one-byte types), any rank
 * including scalars ({@code shape ()}) and empty arrays. It refuses Fortran order, object and
 * structured arrays, native order {@code '='} (its meaning depends on the machine) and every
 * malformed file, with an {@link IOException} naming the file (and the {@code .npz} member) and
 * what is wrong. The header is a Python dict literal of a fixed form; it is parsed by a small
 * strict parser, never evaluated.
 *
 * <p>{@code data} always holds the elements little-endian, whatever order the file used, so two
 * arrays with the same values are {@link #equals equal} and {@link #toBytes} writes the same bytes.
 * Like {@link Dataset}'s arrays it is shared, not copied, and treated as immutable. A bool element is
 * one byte, 0 or 1.
 *
 * <p>{@link #toBytes} writes exactly what {@code np.save} (NumPy 1.24 and later) writes for the
 * same array: version 1.0 (2.0 if the header needs it), little-endian, the header padded with
 * spaces to a multiple of 64 bytes.
 *
 * @param type  element type
 * @param shape dimensions, outermost first; {@code []} for a scalar
 * @param data  the elements, row-major, little-endian, {@code count() * type.size()} bytes
 */
public record NpyArray(ElementType type, int[] shape, byte[] data) {
    /** The format's magic string, after which come the major and minor version bytes. */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Most data bytes one array may hold (one Java array). */
    public static final int MAX_BYTES = Integer.MAX_VALUE - 8;
    /** NumPy pads the header so that the data starts at a multiple of this. */
    private static final int ALIGN = 64;
    /** NumPy leaves room in the header for the first dimension to grow to this many digits. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    /** The element types read and written, by their NumPy type code (kind and byte size). */
    public enum ElementType {
        BOOL("b1", 1), INT8("i1", 1), UINT8("u1", 1), INT16("i2", 2), UINT16("u2", 2), INT32("i4", 4),
        INT64("i8", 8), FLOAT32("f4", 4), FLOAT64("f8", 8);

        private final String code;
        private final int size;

        ElementType(String code, int size) {
            this.code = code;
            this.size = size;
        }

        /** NumPy's code without the byte order, e.g. {@code "f4"}. */
        public String code() {
            return code;
        }

        /** Bytes per element. */
        public int size() {
            return size;
        }

        /** Whether elements are integers (bool counts as one: 0 or 1). */
        public boolean isInteger() {
            return this != FLOAT32 && this != FLOAT64;
        }

        /** The type with NumPy code {@code code}, or null. */
        static ElementType ofCode(String code) {
            for (ElementType t : values()) {
                if (t.code.equals(code)) {
                    return t;
                }
            }
            return null;
        }
    }

    public NpyArray {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long n = count(shape);
        if (n < 0 || n * type.size != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + type + " needs "
                    + (n < 0 ? "more than " + MAX_BYTES : n * type.size) + " bytes, got " + data.length);
        }
    }

    /** Element count of {@code shape}, or -1 if a dimension is negative or the bytes would exceed {@link #MAX_BYTES}. */
    private static long count(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                return -1;
            }
            n *= d;
            if (n > MAX_BYTES) {
                return -1;
            }
        }
        return n;
    }

    /** A float32 array (values copied). */
    public static NpyArray ofFloats(int[] shape, float... values) {
        ByteBuffer b = buffer(values.length * 4);
        b.asFloatBuffer().put(values);
        return new NpyArray(ElementType.FLOAT32, shape, b.array());
    }

    /** A float64 array (values copied). */
    public static NpyArray ofDoubles(int[] shape, double... values) {
        ByteBuffer b = buffer(values.length * 8);
        b.asDoubleBuffer().put(values);
        return new NpyArray(ElementType.FLOAT64, shape, b.array());
    }

    /** An int64 array (values copied). */
    public static NpyArray ofLongs(int[] shape, long... values) {
        ByteBuffer b = buffer(values.length * 8);
        b.asLongBuffer().put(values);
        return new NpyArray(ElementType.INT64, shape, b.array());
    }

    /** An int32 array (values copied). */
    public static NpyArray ofInts(int[] shape, int... values) {
        ByteBuffer b = buffer(values.length * 4);
        b.asIntBuffer().put(values);
        return new NpyArray(ElementType.INT32, shape, b.array());
    }

    /** A uint8 array of the unsigned bytes {@code values} (copied). */
    public static NpyArray ofUnsignedBytes(int[] shape, byte... values) {
        return new NpyArray(ElementType.UINT8, shape, values.clone());
    }

    private static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    /** Number of elements: the product of the shape (1 for a scalar). */
    public int count() {
        return data.length / type.size;
    }

    private ByteBuffer view() {
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** All elements of a float32 array, as a new array. */
    public float[] floats() {
        require(ElementType.FLOAT32);
        float[] out = new float[count()];
        view().asFloatBuffer().get(out);
        return out;
    }

    /** All elements of a float64 array, as a new array. */
    public double[] doubles() {
        require(ElementType.FLOAT64);
        double[] out = new double[count()];
        view().asDoubleBuffer().get(out);
        return out;
    }

    /** All elements of an integer (or bool) array as longs, exactly (unsigned types as their unsigned value). */
    public long[] longs() {
        if (!type.isInteger()) {
            throw new IllegalStateException("array of " + type + " holds no integers");
        }
        long[] out = new long[count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integerAt(i);
        }
        return out;
    }

    private long integerAt(int i) {
        ByteBuffer b = view();
        return switch (type) {
            case BOOL, UINT8 -> data[i] & 0xff;
            case INT8 -> data[i];
            case INT16 -> b.getShort(2 * i);
            case UINT16 -> b.getShort(2 * i) & 0xffff;
            case INT32 -> b.getInt(4 * i);
            case INT64 -> b.getLong(8 * i);
            case FLOAT32, FLOAT64 -> throw new IllegalStateException(type + " is not an integer type");
        };
    }

    private void require(ElementType t) {
        if (type != t) {
            throw new IllegalStateException("array holds " + type + ", not " + t);
        }
    }

    /** Equal type, shape and element bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof NpyArray a && type == a.type && Arrays.equals(shape, a.shape) && Arrays.equals(data, a.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "NpyArray[" + type + " " + Arrays.toString(shape) + "]";
    }

    // ---- reading ----

    /** Reads a {@code .npy} file. */
    public static NpyArray read(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    /**
     * Parses the bytes of a {@code .npy} file.
     *
     * @param what names the file in error messages, e.g. a path, or a path and an {@code .npz} member
     */
    public static NpyArray parse(byte[] file, String what) throws IOException {
        if (file.length < MAGIC.length + 2 || !Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IOException(what + ": bad magic: not a .npy file (it must start with \\x93NUMPY)");
        }
        int major = file[6] & 0xff;
        int minor = file[7] & 0xff;
        if (minor != 0 || major < 1 || major > 3) {
            throw new IOException(what + ": unsupported .npy format version " + major + "." + minor
                    + " (1.0, 2.0 and 3.0 are supported)");
        }
        int lenBytes = major == 1 ? 2 : 4;
        int start = 8 + lenBytes;
        if (file.length < start) {
            throw new IOException(what + ": truncated inside the header length");
        }
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = major == 1 ? b.getShort(8) & 0xffff : b.getInt(8) & 0xffffffffL;
        if (headerLen > file.length - start) {
            throw new IOException(what + ": truncated header: it declares " + headerLen + " bytes, the file has "
                    + (file.length - start) + " after the preamble");
        }
        String header = headerText(file, start, (int) headerLen, major, what);
        Header h = new HeaderParser(header, what).parse();
        return payload(h, file, start + (int) headerLen, what);
    }

    /** Version 3.0 headers are UTF-8, older ones Latin-1 (every byte is a character). */
    private static String headerText(byte[] file, int start, int len, int major, String what) throws IOException {
        if (major < 3) {
            return new String(file, start, len, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(file, start, len)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(what + ": header of a version 3.0 file is not valid UTF-8", e);
        }
    }

    /** Checks the element count against the bytes present and brings the data to little-endian. */
    private static NpyArray payload(Header h, byte[] file, int offset, String what) throws IOException {
        long n = 1;
        for (long d : h.shape) {
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IOException(what + ": shape " + Arrays.toString(h.shape) + " has an element count that overflows");
            }
        }
        long need = n > MAX_BYTES ? Long.MAX_VALUE : n * h.type.size;
        if (need > MAX_BYTES) {
            throw new IOException(what + ": shape " + Arrays.toString(h.shape) + " of " + h.type + " needs " + n
                    + " elements, more than one Java array holds (" + MAX_BYTES + " bytes)");
        }
        long have = file.length - offset;
        if (have != need) {
            throw new IOException(what + ": shape " + Arrays.toString(h.shape) + " of " + h.type + " needs " + need
                    + " data bytes, the file has " + have + (have < need ? " (truncated)" : " (trailing bytes)"));
        }
        byte[] data = Arrays.copyOfRange(file, offset, file.length);
        if (h.bigEndian) {
            swapBytes(data, h.type.size);
        }
        if (h.type == ElementType.BOOL) {
            for (int i = 0; i < data.length; i++) {
                if (data[i] != 0 && data[i] != 1) {
                    throw new IOException(what + ": bool element " + i + " is byte " + (data[i] & 0xff) + ", not 0 or 1");
                }
            }
        }
        int[] shape = new int[h.shape.length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = (int) h.shape[i]; // fits: each dimension is at most the element count, checked above
        }
        return new NpyArray(h.type, shape, data);
    }

    private static void swapBytes(byte[] data, int size) {
        for (int e = 0; e < data.length; e += size) {
            for (int i = 0, j = size - 1; i < j; i++, j--) {
                byte t = data[e + i];
                data[e + i] = data[e + j];
                data[e + j] = t;
            }
        }
    }

    /** What a header says: the element type, its byte order and the shape. */
    private record Header(ElementType type, boolean bigEndian, long[] shape) {
    }

    /**
     * Parses the header's dict literal, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}:
     * exactly the three keys, in any order, with string keys, a string descr, {@code True}/{@code False}
     * and a tuple of non-negative integers; only spaces and a newline may follow the closing brace.
     */
    private static final class HeaderParser {
        private final String s;
        private final String what;
        private int pos;

        HeaderParser(String s, String what) {
            this.s = s;
            this.what = what;
        }

        Header parse() throws IOException {
            String descr = null;
            Boolean fortran = null;
            long[] shape = null;
            expect('{');
            while (peek() != '}') {
                String key = string();
                expect(':');
                switch (key) {
                    case "descr" -> descr = descr == null ? descrValue() : fail("key 'descr' appears twice");
                    case "fortran_order" -> fortran = fortran == null ? bool() : fail("key 'fortran_order' appears twice");
                    case "shape" -> shape = shape == null ? tuple() : fail("key 'shape' appears twice");
                    default -> fail("unexpected key '" + key + "' (a .npy header has descr, fortran_order and shape)");
                }
                if (peek() != ',') {
                    break;
                }
                pos++;
            }
            expect('}');
            if (!s.substring(pos).matches("[ \n]*")) {
                fail("unexpected text after the closing brace");
            }
            if (descr == null || fortran == null || shape == null) {
                fail("missing key " + (descr == null ? "'descr'" : fortran == null ? "'fortran_order'" : "'shape'"));
            }
            if (fortran) {
                fail("fortran_order is True: only C-order arrays are supported (save np.ascontiguousarray(a))");
            }
            return elementType(descr, shape);
        }

        private Header elementType(String descr, long[] shape) throws IOException {
            char order = descr.isEmpty() ? '?' : descr.charAt(0);
            String code = descr.isEmpty() ? "" : descr.substring(1);
            if (code.startsWith("O")) {
                fail("dtype '" + descr + "' is an object array (pickled Python objects), which is not supported");
            }
            ElementType t = ElementType.ofCode(code);
            if (t == null || "<>|=".indexOf(order) < 0) {
                fail("unknown or unsupported dtype '" + descr + "' (supported: bool, int8, uint8, int16, uint16, "
                        + "int32, int64, float32, float64)");
            }
            if (order == '=' || (order == '|' && t.size > 1)) {
                fail("dtype '" + descr + "' has no definite byte order ('<' or '>' is needed)");
            }
            return new Header(t, order == '>' && t.size > 1, shape);
        }

        private String descrValue() throws IOException {
            if (peek() == '[') {
                fail("dtype is a structured (record) type, which is not supported");
            }
            return string();
        }

        private String string() throws IOException {
            char q = peek();
            if (q != '\'' && q != '"') {
                fail("expected a quoted string at character " + pos);
            }
            int end = s.indexOf(q, pos + 1);
            if (end < 0) {
                fail("unterminated string at character " + pos);
            }
            String v = s.substring(pos + 1, end);
            pos = end + 1;
            return v;
        }

        private boolean bool() throws IOException {
            peek();
            if (s.startsWith("True", pos) || s.startsWith("False", pos)) {
                boolean v = s.startsWith("True", pos);
                pos += v ? 4 : 5;
                return v;
            }
            return fail("expected True or False at character " + pos);
        }

        /** A tuple of dimensions: {@code ()}, {@code (3,)}, {@code (2, 3)}; a one-element tuple needs its comma. */
        private long[] tuple() throws IOException {
            expect('(');
            long[] dims = new long[0];
            boolean comma = false;
            while (peek() != ')') {
                dims = Arrays.copyOf(dims, dims.length + 1);
                dims[dims.length - 1] = integer();
                comma = peek() == ',';
                if (!comma) {
                    break;
                }
                pos++;
            }
            expect(')');
            if (dims.length == 1 && !comma) {
                fail("shape (" + dims[0] + ") is not a tuple (a one-dimensional shape is written (n,))");
            }
            return dims;
        }

        private long integer() throws IOException {
            int start = pos;
            while (pos < s.length() && pos - start < 18 && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
                pos++;
            }
            if (pos == start || (pos < s.length() && Character.isDigit(s.charAt(pos)))) {
                fail("expected a dimension (a non-negative integer of at most 18 digits) at character " + start);
            }
            long v = Long.parseLong(s.substring(start, pos));
            if (pos < s.length() && s.charAt(pos) == 'L') {
                pos++; // Python 2's long suffix, written by old NumPy versions
            }
            if (v > Integer.MAX_VALUE) {
                fail("dimension " + v + " is larger than " + Integer.MAX_VALUE);
            }
            return v;
        }

        private char peek() throws IOException {
            while (pos < s.length() && s.charAt(pos) == ' ') {
                pos++;
            }
            if (pos >= s.length()) {
                fail("header ends early");
            }
            return s.charAt(pos);
        }

        private void expect(char c) throws IOException {
            if (peek() != c) {
                fail("expected '" + c + "' at character " + pos + ", found '" + s.charAt(pos) + "'");
            }
            pos++;
        }

        private <T> T fail(String msg) throws IOException {
            throw new IOException(what + ": malformed or unsupported header: " + msg + "; header: " + s.strip());
        }
    }

    // ---- writing ----

    /** The bytes {@code np.save} writes for this array. */
    public byte[] toBytes() {
        String dict = "{'descr': '" + (type.size == 1 ? '|' : '<') + type.code + "', 'fortran_order': False, 'shape': "
                + shapeRepr() + ", }";
        if (shape.length > 0) {
            dict += " ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length());
        }
        byte[] text = dict.getBytes(StandardCharsets.ISO_8859_1);
        int major = 1;
        int pad = padding(text.length, 2);
        if (text.length + 1 + pad > 0xffff) {
            major = 2;
            pad = padding(text.length, 4);
        }
        int headerLen = text.length + pad + 1;
        ByteBuffer out = buffer(8 + (major == 1 ? 2 : 4) + headerLen + data.length);
        out.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            out.putShort((short) headerLen);
        } else {
            out.putInt(headerLen);
        }
        out.put(text).put(" ".repeat(pad).getBytes(StandardCharsets.ISO_8859_1)).put((byte) '\n').put(data);
        return out.array();
    }

    /** NumPy's padding: 1 to 64 spaces, so that preamble, header and its newline end on a multiple of 64. */
    private static int padding(int textLen, int lenBytes) {
        return ALIGN - (8 + lenBytes + textLen + 1) % ALIGN;
    }

    /** Python's repr of the shape tuple: {@code ()}, {@code (3,)}, {@code (2, 3)}. */
    private String shapeRepr() {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(')').toString();
    }

    /** Writes this array to a {@code .npy} file. */
    public void write(Path file) throws IOException {
        Files.write(file, toBytes());
    }
}

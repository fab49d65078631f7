package dev.verity.tensor.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value", ...}}}; then the byte buffer, where each tensor's little-endian
 * data lies at {@code [begin, end)} relative to the buffer start. The buffer must be covered
 * exactly: no gaps, no overlaps, nothing after the last tensor.
 *
 * <p><b>Writing</b> is deterministic, so a file's hash is a function of its tensors and metadata:
 * tensors are laid out in the map's iteration order (the caller's order); the header has no
 * whitespace except trailing spaces (0x20) that pad it to a multiple of 8 bytes, as the reference
 * implementation does and the format allows, so that the buffer, and every F32 tensor, starts
 * 8-byte aligned; {@code __metadata__} comes first, with its keys sorted by {@link String#compareTo}
 * (so the bytes do not depend on the metadata map's type) and is omitted when empty; float bits
 * are written raw, NaN payloads included. The file is written to a temporary file in the same
 * directory, forced to disk, and renamed over the target, so readers never see half a file.
 *
 * <p><b>Reading</b> supports dtype {@code F32} only. Verity's tensors are float32, and silently
 * converting F64/I64/I32 could lose bits, so a file holding any other dtype is rejected with a
 * message naming the tensor and dtype (convert to float32 before saving). Tensors are returned in
 * the order of their data offsets. Every malformation is an {@link IOException} with a specific
 * message: see {@link #read(Path, long)}.
 */
public final class SafeTensors {
    /** Largest header accepted, in bytes (as the reference implementation: 100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Largest tensor a {@code float[]} can hold, in bytes: the default per-tensor limit. */
    public static final long DEFAULT_MAX_TENSOR_BYTES = 4L * (Integer.MAX_VALUE - 8);
    /** The reserved header key for string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    /** Every dtype the safetensors format defines; all but F32 are recognised but rejected. */
    private static final Set<String> KNOWN_DTYPES = Set.of("BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16",
            "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64");
    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");
    private static final int CHUNK = 1 << 20;

    // Top-level duplicates (tensor names) are detected by hand, for a specific message; duplicate
    // keys inside an entry or in __metadata__ fail the tree read.
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(JSON)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private SafeTensors() {
    }

    /**
     * What a file holds.
     *
     * @param tensors  by name, in the order of their data in the file
     * @param metadata the {@code __metadata__} strings, in header order (empty if absent)
     */
    public record Contents(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {
        public Contents {
            Objects.requireNonNull(tensors, "tensors");
            Objects.requireNonNull(metadata, "metadata");
        }

        public Tensor get(String name) {
            return tensors.get(name);
        }
    }

    // ------------------------------------------------------------------------------------ write

    /** Writes {@code tensors} (in their iteration order) and {@code metadata} to {@code file}, atomically. */
    public static void write(Path file, LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        byte[] header = header(tensors, metadata);
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeTo(ch, header, tensors);
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The exact bytes {@link #write} puts in a file (for hashing and tests; limited to 2 GB). */
    public static byte[] toBytes(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        long total = 8L + header.length;
        for (Tensor t : tensors.values()) {
            total += 4L * t.size();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("safetensors image of " + total + " bytes does not fit a byte[]; use write()");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) total);
        try {
            writeTo(Channels.newChannel(out), header, tensors);
        } catch (IOException e) {
            throw new IllegalStateException(e); // cannot happen for an in-memory stream
        }
        return out.toByteArray();
    }

    private static byte[] header(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        TreeMap<String, String> meta = new TreeMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("metadata keys and values must be non-null, got " + e.getKey()
                        + " = " + e.getValue());
            }
            meta.put(e.getKey(), e.getValue());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (!meta.isEmpty()) {
                g.writeObjectFieldStart(METADATA_KEY);
                for (Map.Entry<String, String> e : meta.entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                String name = e.getKey();
                Tensor t = e.getValue();
                if (name == null || t == null) {
                    throw new IllegalArgumentException("tensor names and tensors must be non-null, got " + name + " = " + t);
                }
                if (name.equals(METADATA_KEY)) {
                    throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved and cannot name a tensor");
                }
                long bytes = 4L * t.size();
                g.writeObjectFieldStart(name);
                g.writeStringField("dtype", "F32");
                g.writeArrayFieldStart("shape");
                for (int d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(offset + bytes);
                g.writeEndArray();
                g.writeEndObject();
                offset += bytes;
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e); // cannot happen for an in-memory stream
        }
        // Pad with spaces so the buffer starts 8-byte aligned (8 + header length divisible by 8).
        while (out.size() % 8 != 0) {
            out.write(' ');
        }
        return out.toByteArray();
    }

    private static void writeTo(WritableByteChannel ch, byte[] header, LinkedHashMap<String, Tensor> tensors)
            throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
        writeFully(ch, len);
        writeFully(ch, ByteBuffer.wrap(header));
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : tensors.values()) {
            float[] d = t.data();
            for (float v : d) {
                if (!buf.hasRemaining()) {
                    writeFully(ch, buf.flip());
                    buf.clear();
                }
                buf.putInt(Float.floatToRawIntBits(v)); // raw: NaN payloads are kept as they are
            }
        }
        writeFully(ch, buf.flip());
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    // ------------------------------------------------------------------------------------- read

    /** Reads a file with the default per-tensor limit {@link #DEFAULT_MAX_TENSOR_BYTES}. */
    public static Contents read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_TENSOR_BYTES);
    }

    /**
     * Reads a file. Rejected, each with its own message: a file shorter than 8 bytes; a header
     * length over {@link #MAX_HEADER_BYTES} or past the end of the file; a header that is not a
     * JSON object (invalid JSON, invalid UTF-8, trailing content); duplicate tensor names; a
     * tensor entry that is not an object, lacks or has a malformed {@code dtype}, {@code shape} or
     * {@code data_offsets}, or has an unexpected field; a dtype other than F32; data offsets out of
     * order or past the buffer, or whose length does not match the shape; tensors over
     * {@code maxTensorBytes}; overlapping tensors, gaps between them, or bytes after the last one;
     * a {@code __metadata__} that is not an object of strings.
     */
    public static Contents read(Path file, long maxTensorBytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(new FileSource(ch), file.toString(), maxTensorBytes);
        }
    }

    /** Reads a safetensors image from memory. */
    public static Contents fromBytes(byte[] bytes) throws IOException {
        return fromBytes(bytes, DEFAULT_MAX_TENSOR_BYTES);
    }

    public static Contents fromBytes(byte[] bytes, long maxTensorBytes) throws IOException {
        return read(new ArraySource(bytes), "<bytes>", maxTensorBytes);
    }

    private interface Source {
        long size() throws IOException;

        /** Fills {@code dst} from absolute position {@code pos}; the range is known to be in bounds. */
        void read(long pos, ByteBuffer dst) throws IOException;
    }

    private record FileSource(FileChannel ch) implements Source {
        public long size() throws IOException {
            return ch.size();
        }

        public void read(long pos, ByteBuffer dst) throws IOException {
            while (dst.hasRemaining()) {
                int n = ch.read(dst, pos);
                if (n < 0) {
                    throw new IOException("file shrank while being read");
                }
                pos += n;
            }
        }
    }

    private record ArraySource(byte[] bytes) implements Source {
        public long size() {
            return bytes.length;
        }

        public void read(long pos, ByteBuffer dst) {
            dst.put(bytes, (int) pos, dst.remaining());
        }
    }

    /** One validated header entry. */
    private record Entry(String name, int[] shape, long begin, long end, int order) {
    }

    private static Contents read(Source src, String what, long maxTensorBytes) throws IOException {
        if (maxTensorBytes < 0) {
            throw new IllegalArgumentException("maxTensorBytes must be >= 0, got " + maxTensorBytes);
        }
        long size = src.size();
        byte[] header = readHeader(src, size, what);
        long bufferStart = 8 + header.length;
        long bufferLen = size - bufferStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = parseHeader(header, bufferLen, maxTensorBytes, metadata, what);
        checkTiling(entries, bufferLen, what);
        return new Contents(readTensors(src, entries, bufferStart), metadata);
    }

    /** The raw JSON header: its u64 length prefix is checked against the limit and the file size. */
    private static byte[] readHeader(Source src, long size, String what) throws IOException {
        if (size < 8) {
            throw new IOException(what + ": file is " + size + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        src.read(0, lenBuf);
        long n = lenBuf.getLong(0); // u64; a negative long means >= 2^63, far over the limit
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new IOException(what + ": header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (8 + n > size) {
            throw new IOException(what + ": header length " + n + " runs past the end of the file (" + size
                    + " bytes, so at most " + (size - 8) + " header bytes)");
        }
        byte[] header = new byte[(int) n];
        src.read(8, ByteBuffer.wrap(header));
        if (n == 0 || header[0] != '{') {
            throw new IOException(what + ": invalid JSON header: it must be a JSON object starting with '{'");
        }
        return header;
    }

    /**
     * The header's tensor entries in header order, each validated on its own; metadata goes to
     * {@code metadata}. Parsed field by field so that a duplicate name is caught (a tree would keep one).
     */
    private static List<Entry> parseHeader(byte[] header, long bufferLen, long maxTensorBytes,
            Map<String, String> metadata, String what) throws IOException {
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        try (JsonParser p = JSON.createParser(header)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(what + ": invalid JSON header: it must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                JsonNode value = MAPPER.readTree(p);
                if (!names.add(name)) {
                    throw new IOException(what + ": duplicate tensor name '" + name + "' in the header");
                }
                if (name.equals(METADATA_KEY)) {
                    readMetadata(value, metadata, what);
                } else {
                    entries.add(entry(name, value, entries.size(), bufferLen, maxTensorBytes, what));
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IOException(what + ": invalid JSON header: trailing content after the header object");
            }
        } catch (JsonProcessingException e) {
            throw new IOException(what + ": invalid JSON header: " + e.getOriginalMessage(), e);
        }
        return entries;
    }

    /**
     * Sorts {@code entries} by data offsets and checks that they tile the data buffer exactly: a gap
     * or an overlap would let two files with different bytes load as the same tensors.
     */
    private static void checkTiling(List<Entry> entries, long bufferLen, String what) throws IOException {
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end)
                .thenComparingInt(Entry::order));
        long pos = 0;
        Entry prev = null;
        for (Entry e : entries) {
            if (e.begin() < pos) {
                throw new IOException(what + ": tensor '" + e.name() + "' data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + "]");
            }
            if (e.begin() > pos) {
                throw new IOException(what + ": bytes [" + pos + ", " + e.begin() + ") of the data buffer belong to no"
                        + " tensor (gap before tensor '" + e.name() + "')");
            }
            pos = e.end();
            prev = e;
        }
        if (pos != bufferLen) {
            throw new IOException(what + ": the data buffer has " + (bufferLen - pos) + " bytes after the last tensor"
                    + " (tensors cover [0, " + pos + ") of " + bufferLen + ")");
        }
    }

    /** Reads each entry's floats in CHUNK-sized pieces, so a huge tensor needs no second full-size buffer. */
    private static LinkedHashMap<String, Tensor> readTensors(Source src, List<Entry> entries, long bufferStart)
            throws IOException {
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            float[] data = new float[(int) ((e.end() - e.begin()) / 4)];
            long at = bufferStart + e.begin();
            int i = 0;
            while (i < data.length) {
                int count = Math.min(data.length - i, CHUNK / 4);
                buf.clear().limit(count * 4);
                src.read(at, buf);
                buf.flip();
                for (int k = 0; k < count; k++) {
                    data[i + k] = Float.intBitsToFloat(buf.getInt()); // raw bits, NaN payloads kept
                }
                i += count;
                at += 4L * count;
            }
            tensors.put(e.name(), new Tensor(e.shape(), data));
        }
        return tensors;
    }

    private static void readMetadata(JsonNode value, Map<String, String> out, String what) throws IOException {
        if (!value.isObject()) {
            throw new IOException(what + ": '" + METADATA_KEY + "' must be a JSON object of strings, got "
                    + value.getNodeType());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = value.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isTextual()) {
                throw new IOException(what + ": '" + METADATA_KEY + "' value of '" + f.getKey()
                        + "' must be a string, got " + f.getValue().getNodeType());
            }
            out.put(f.getKey(), f.getValue().textValue());
        }
    }

    private static Entry entry(String name, JsonNode v, int order, long bufferLen, long maxTensorBytes, String what)
            throws IOException {
        String t = what + ": tensor '" + name + "'";
        if (!v.isObject()) {
            throw new IOException(t + ": entry must be a JSON object, got " + v.getNodeType());
        }
        for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!ENTRY_FIELDS.contains(f)) {
                throw new IOException(t + ": unexpected field '" + f + "' (expected dtype, shape, data_offsets)");
            }
        }
        checkDtype(v.get("dtype"), t);
        int[] shape = shape(v.get("shape"), t);
        Numel numel = Numel.of(shape);
        long[] offsets = dataOffsets(v.get("data_offsets"), bufferLen, t);
        long begin = offsets[0];
        long end = offsets[1];
        long bytes = numel.tooBig() ? Long.MAX_VALUE : numel.count() * 4;
        if (bytes != end - begin) {
            throw new IOException(t + ": shape " + Arrays.toString(shape) + " of F32 needs "
                    + (numel.tooBig() ? "more than 2^63" : String.valueOf(bytes)) + " bytes, but data_offsets [" + begin
                    + ", " + end + "] span " + (end - begin));
        }
        if (bytes > maxTensorBytes) {
            throw new IOException(t + ": " + bytes + " bytes is over the tensor size limit of " + maxTensorBytes + " bytes");
        }
        if (numel.count() > Integer.MAX_VALUE - 8) {
            throw new IOException(t + ": " + numel.count() + " elements do not fit a Java float[]");
        }
        return new Entry(name, shape, begin, end, order);
    }

    private static void checkDtype(JsonNode dtype, String t) throws IOException {
        if (dtype == null) {
            throw new IOException(t + ": missing field 'dtype'");
        }
        if (!dtype.isTextual()) {
            throw new IOException(t + ": 'dtype' must be a string, got " + dtype.getNodeType());
        }
        String dt = dtype.textValue();
        if (!dt.equals("F32")) {
            throw new IOException(t + ": unsupported dtype '" + dt + "'"
                    + (KNOWN_DTYPES.contains(dt) ? " (a valid safetensors dtype, but Verity reads only F32;"
                            + " convert to float32 before saving)" : " (not a safetensors dtype; only F32 is supported)"));
        }
    }

    private static int[] shape(JsonNode shapeNode, String t) throws IOException {
        if (shapeNode == null) {
            throw new IOException(t + ": missing field 'shape'");
        }
        if (!shapeNode.isArray()) {
            throw new IOException(t + ": 'shape' must be an array of non-negative integers, got " + shapeNode);
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0 || d.longValue() > Integer.MAX_VALUE) {
                throw new IOException(t + ": 'shape' must be an array of non-negative integers (each at most "
                        + Integer.MAX_VALUE + "), got " + shapeNode);
            }
            shape[i] = d.intValue();
        }
        return shape;
    }

    /**
     * A shape's element count, saturating: a product whose byte size would not fit a long is
     * {@code tooBig} (unless some dimension is 0, which makes the true count 0).
     */
    private record Numel(long count, boolean tooBig) {
        static Numel of(int[] shape) {
            long numel = 1;
            boolean tooBig = false;
            for (int d : shape) {
                if (d == 0) {
                    numel = 0;
                    tooBig = false;
                    break;
                }
                if (!tooBig && numel > (Long.MAX_VALUE / 4) / d) {
                    tooBig = true;
                }
                numel = tooBig ? Long.MAX_VALUE / 4 : numel * d;
            }
            return new Numel(numel, tooBig);
        }
    }

    /** {@code [begin, end]}, checked to be ordered and inside the data buffer. */
    private static long[] dataOffsets(JsonNode off, long bufferLen, String t) throws IOException {
        if (off == null) {
            throw new IOException(t + ": missing field 'data_offsets'");
        }
        if (!off.isArray() || off.size() != 2 || !isNonNegativeLong(off.get(0)) || !isNonNegativeLong(off.get(1))) {
            throw new IOException(t + ": 'data_offsets' must be [begin, end] with non-negative integers, got " + off);
        }
        long begin = off.get(0).longValue();
        long end = off.get(1).longValue();
        if (begin > end) {
            throw new IOException(t + ": data_offsets [" + begin + ", " + end + "] have begin > end");
        }
        if (end > bufferLen) {
            throw new IOException(t + ": data_offsets [" + begin + ", " + end + "] run past the end of the data buffer ("
                    + bufferLen + " bytes)");
        }
        return new long[] {begin, end};
    }

    private static boolean isNonNegativeLong(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0;
    }
}

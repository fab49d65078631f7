package dev.verity.tensor.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader for IDX files (the MNIST / Fashion-MNIST format), unsigned-byte element type only,
 * raw or gzipped.
 *
 * <p>Layout (all integers big-endian): two zero bytes, the element type ({@code 0x08} = unsigned
 * byte), the number of dimensions d, then d 32-bit sizes, then the elements row-major. Gzip is
 * detected from the content (the gzip magic {@code 1f 8b} can never start an IDX file, whose first
 * two bytes are zero), not from the file name. The reader is strict: a short file and trailing
 * bytes after the last element are both errors, so a file is either read completely or rejected.
 */
public final class Idx {
    /** Element type code of unsigned bytes, the only one supported. */
    public static final int TYPE_UBYTE = 0x08;
    /** Largest number of dimensions accepted. */
    public static final int MAX_DIMS = 4;

    private Idx() {
    }

    /** Contents of one IDX file: its dimensions and its unsigned-byte elements, row-major. */
    public record Array(int[] dims, byte[] data) {
        public Array {
            dims = dims.clone();
            long n = 1;
            for (int d : dims) {
                n *= d;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("IDX dims " + Arrays.toString(dims) + " need " + n
                        + " bytes, got " + data.length);
            }
        }

        @Override
        public int[] dims() {
            return dims.clone();
        }

        public int dim(int i) {
            return dims[i];
        }

        public int rank() {
            return dims.length;
        }

        /** Element {@code i} as an unsigned value 0..255. */
        public int unsigned(int i) {
            return data[i] & 0xff;
        }
    }

    /** Reads an IDX file, raw or gzipped. */
    public static Array read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads an IDX stream, raw or gzipped (the stream is not closed).
     *
     * @param what names the stream in error messages (a path or resource name)
     */
    public static Array read(InputStream raw, String what) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        InputStream src = in;
        if (b0 == 0x1f && b1 == 0x8b) {
            src = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        try {
            return readRaw(src, what);
        } catch (java.util.zip.ZipException | EOFException e) {
            // Only the gzip layer throws these; readRaw reports short raw data itself.
            throw new IOException("IDX file " + what + ": corrupt or truncated gzip data: " + e.getMessage(), e);
        }
    }

    private static Array readRaw(InputStream in, String what) throws IOException {
        byte[] head = new byte[4];
        int got = in.readNBytes(head, 0, 4);
        if (got < 4) {
            throw new IOException("IDX file " + what + " is truncated: " + got + " bytes, shorter than the 4-byte magic number");
        }
        if (head[0] != 0 || head[1] != 0) {
            throw new IOException(String.format("IDX file %s has a wrong magic number 0x%02x%02x%02x%02x: "
                    + "the first two bytes must be zero", what, head[0], head[1], head[2], head[3]));
        }
        int type = head[2] & 0xff;
        if (type != TYPE_UBYTE) {
            throw new IOException(String.format("IDX file %s has element type 0x%02x; only unsigned byte (0x08) is supported",
                    what, type));
        }
        int rank = head[3] & 0xff;
        if (rank < 1 || rank > MAX_DIMS) {
            throw new IOException("IDX file " + what + " has " + rank + " dimensions; 1 to " + MAX_DIMS + " are supported");
        }
        byte[] dimBytes = new byte[4 * rank];
        got = in.readNBytes(dimBytes, 0, dimBytes.length);
        if (got < dimBytes.length) {
            throw new IOException("IDX file " + what + " is truncated inside its header: expected " + rank
                    + " dimension sizes (" + dimBytes.length + " bytes), got " + got + " bytes");
        }
        int[] dims = new int[rank];
        long n = 1;
        for (int i = 0; i < rank; i++) {
            long d = ((dimBytes[4 * i] & 0xffL) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
                    | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
            n *= d;
            if (d > Integer.MAX_VALUE || n > Integer.MAX_VALUE - 8) {
                throw new IOException("IDX file " + what + " declares too many elements (dimension " + i + " = " + d
                        + "); at most " + (Integer.MAX_VALUE - 8) + " are supported");
            }
            dims[i] = (int) d;
        }
        byte[] data = new byte[(int) n];
        got = in.readNBytes(data, 0, data.length);
        if (got < data.length) {
            throw new IOException("IDX file " + what + " is truncated: dims " + Arrays.toString(dims) + " need "
                    + data.length + " data bytes, got " + got);
        }
        if (in.read() >= 0) {
            throw new IOException("IDX file " + what + " has trailing bytes after the " + data.length
                    + " data bytes its dims " + Arrays.toString(dims) + " declare");
        }
        return new Array(dims, data);
    }

    /**
     * Builds an image dataset from an IDX image file (3 dims: count, rows, cols) and an IDX label
     * file (1 dim: count). Features are {@code pixel / 255f} with the pixel as an unsigned byte,
     * sample shape {@code [1, rows, cols]} (one channel).
     */
    public static Dataset imageDataset(String name, String source, Array images, Array labels, int numClasses)
            throws IOException {
        if (images.rank() != 3) {
            throw new IOException(name + ": image file must have 3 dimensions (count, rows, cols), got "
                    + Arrays.toString(images.dims()));
        }
        if (labels.rank() != 1) {
            throw new IOException(name + ": label file must have 1 dimension (count), got "
                    + Arrays.toString(labels.dims()));
        }
        int count = images.dim(0);
        if (labels.dim(0) != count) {
            throw new IOException(name + ": image/label count mismatch: " + count + " images but "
                    + labels.dim(0) + " labels");
        }
        int[] lab = new int[count];
        for (int i = 0; i < count; i++) {
            lab[i] = labels.unsigned(i);
            if (lab[i] >= numClasses) {
                throw new IOException(name + ": label of sample " + i + " is " + lab[i] + ", outside [0, "
                        + numClasses + ")");
            }
        }
        byte[] px = images.data();
        float[] features = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            // Exactly pixel / 255f: one correctly rounded IEEE division, identical everywhere.
            features[i] = (px[i] & 0xff) / 255f;
        }
        return new Dataset(name, source, new int[] {1, images.dim(1), images.dim(2)}, features, lab, numClasses);
    }
}

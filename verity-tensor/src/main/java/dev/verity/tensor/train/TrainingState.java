package dev.verity.tensor.train;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.io.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a training run is at one moment: weights and optimizer state (by name), the step,
 * the data cursor (samples consumed) and the RNG counter. Saved as safetensors with the scalars
 * and the run's identity in the metadata; hashed with SHA-256 over a canonical byte layout.
 */
public final class TrainingState {
    public static final String FORMAT = "verity-training-state-1";
    private final TreeMap<String, Tensor> tensors;
    private long step;
    private long dataCursor;
    private long rngCounter;

    public TrainingState(TreeMap<String, Tensor> tensors, long step, long dataCursor, long rngCounter) {
        this.tensors = tensors;
        this.step = step;
        this.dataCursor = dataCursor;
        this.rngCounter = rngCounter;
    }

    public TreeMap<String, Tensor> tensors() {
        return tensors;
    }

    public long step() {
        return step;
    }

    public long dataCursor() {
        return dataCursor;
    }

    public long rngCounter() {
        return rngCounter;
    }

    /** Advances the scalars after one step of {@code batch} samples. */
    public void advance(int batch) {
        step++;
        dataCursor += batch;
        rngCounter = step;
    }

    public TrainingState copy() {
        TreeMap<String, Tensor> t = new TreeMap<>();
        tensors.forEach((k, v) -> t.put(k, v.copy()));
        return new TrainingState(t, step, dataCursor, rngCounter);
    }

    /**
     * SHA-256 of the canonical layout: the format string; then per tensor in name order: name
     * length (u32 BE), UTF-8 name, rank (u32), dims (u32 each), the data as float32 little-endian
     * with every NaN written as 0x7fc00000; then step, data cursor and RNG counter (u64 BE).
     */
    public byte[] sha256() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(FORMAT.getBytes(StandardCharsets.UTF_8));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                Tensor t = e.getValue();
                ByteBuffer h = ByteBuffer.allocate(8 + name.length + 4 * t.rank());
                h.putInt(name.length).put(name).putInt(t.rank());
                for (int d : t.shape()) {
                    h.putInt(d);
                }
                md.update(h.array());
                float[] d = t.data();
                for (int i = 0; i < d.length; i++) {
                    if (buf.remaining() < 4) {
                        md.update(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    float v = d[i];
                    buf.putInt(v != v ? 0x7fc00000 : Float.floatToRawIntBits(v));
                }
                md.update(buf.array(), 0, buf.position());
                buf.clear();
            }
            md.update(ByteBuffer.allocate(24).putLong(step).putLong(dataCursor).putLong(rngCounter).array());
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256());
    }

    /**
     * The safetensors bytes of this state, for a content-addressed store: no content hash in the
     * metadata (the store's key is the hash of the whole file, checked on every read).
     */
    public byte[] toBytes(Map<String, String> identity) {
        TreeMap<String, String> meta = metadata(identity, false);
        return SafeTensors.toBytes(new LinkedHashMap<>(tensors), meta);
    }

    private TreeMap<String, String> metadata(Map<String, String> identity) {
        return metadata(identity, true);
    }

    private TreeMap<String, String> metadata(Map<String, String> identity, boolean withHash) {
        TreeMap<String, String> meta = new TreeMap<>(identity);
        meta.put("verity.format", FORMAT);
        meta.put("verity.step", Long.toString(step));
        meta.put("verity.data_cursor", Long.toString(dataCursor));
        meta.put("verity.rng_counter", Long.toString(rngCounter));
        if (withHash) {
            meta.put("verity.state_sha256", sha256Hex());
        }
        return meta;
    }

    /** Reads {@link #toBytes} output, with the checks of {@link #load}. */
    public static TrainingState fromBytes(byte[] bytes, String what, Map<String, String> expected) throws IOException {
        return fromContents(SafeTensors.fromBytes(bytes), what, expected, false);
    }

    /** Saves as safetensors; {@code identity} (model, config) goes into the metadata for {@link #load} to check. */
    public void save(Path file, Map<String, String> identity) throws IOException {
        SafeTensors.write(file, new LinkedHashMap<>(tensors), metadata(identity));
    }

    /**
     * Loads a saved state, checking its format, that its identity matches {@code expected}
     * (same model and training config), and that its content hashes to the recorded SHA-256.
     */
    public static TrainingState load(Path file, Map<String, String> expected) throws IOException {
        return fromContents(SafeTensors.read(file), file.toString(), expected, true);
    }

    private static TrainingState fromContents(SafeTensors.Contents c, String file, Map<String, String> expected,
                                              boolean needHash) throws IOException {
        Map<String, String> m = c.metadata();
        if (!FORMAT.equals(m.get("verity.format"))) {
            throw new IOException(file + " is not a Verity training state (format " + m.get("verity.format") + ")");
        }
        for (var e : expected.entrySet()) {
            if (!e.getValue().equals(m.get(e.getKey()))) {
                throw new IOException(file + " was saved by a different run: " + e.getKey() + " is '" + m.get(e.getKey())
                        + "', this run has '" + e.getValue() + "'");
            }
        }
        TrainingState s;
        try {
            s = new TrainingState(new TreeMap<>(c.tensors()), Long.parseLong(m.get("verity.step")),
                    Long.parseLong(m.get("verity.data_cursor")), Long.parseLong(m.get("verity.rng_counter")));
        } catch (NumberFormatException | NullPointerException e) {
            throw new IOException(file + " has missing or malformed step counters", e);
        }
        String want = m.get("verity.state_sha256");
        if (want == null && !needHash) {
            return s;
        }
        if (want == null || !want.equals(s.sha256Hex())) {
            throw new IOException(file + " is corrupt: its content hashes to " + s.sha256Hex() + ", the file records " + want);
        }
        return s;
    }
}

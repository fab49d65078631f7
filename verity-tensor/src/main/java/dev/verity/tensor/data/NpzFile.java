package dev.verity.tensor.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A NumPy {@code .npz} archive: named arrays, each a {@code NAME.npy} member of a zip file, stored
 * ({@code np.savez}) or deflated ({@code np.savez_compressed}).
 *
 * <p>Reading is strict: every member must be a {@code .npy} file (anything else, a duplicate name or
 * a CRC mismatch is an error), and each is parsed by {@link NpyArray#parse}, so its errors name the
 * archive and the member. The arrays are kept in name order ({@link String#compareTo}), never in
 * the archive's order, so nothing built from an archive depends on how it was zipped.
 *
 * <p>{@link #write} writes the members in name order with a fixed timestamp (1980-01-01 00:00, the
 * zip epoch, stored without a time zone), so the same arrays give the same archive on every
 * machine for stored members; deflated bytes depend on the zlib the JDK uses, their contents do not.
 *
 * @param source where the archive came from, for messages
 * @param arrays the arrays by name (the member name without {@code .npy})
 */
public record NpzFile(String source, SortedMap<String, NpyArray> arrays) {
    private static final LocalDateTime ZIP_EPOCH = LocalDateTime.of(1980, 1, 1, 0, 0);

    public NpzFile {
        Objects.requireNonNull(source, "source");
        arrays = Collections.unmodifiableSortedMap(new TreeMap<>(arrays));
        for (var e : arrays.entrySet()) {
            if (e.getKey().isEmpty() || e.getValue() == null) {
                throw new IllegalArgumentException(source + ": array names must be non-empty and arrays non-null");
            }
        }
    }

    /** An archive of {@code arrays}, e.g. to {@link #write}. */
    public static NpzFile of(Map<String, NpyArray> arrays) {
        return new NpzFile("memory", new TreeMap<>(arrays));
    }

    public boolean has(String name) {
        return arrays.containsKey(name);
    }

    /** The array {@code name}; an archive without it is an error naming the archive, the member and the members present. */
    public NpyArray get(String name) throws IOException {
        NpyArray a = arrays.get(name);
        if (a == null) {
            throw new IOException(source + ": missing member '" + name + "' (" + name + ".npy); the archive holds "
                    + arrays.keySet());
        }
        return a;
    }

    // ---- reading ----

    /** Reads every member of an {@code .npz} file. */
    public static NpzFile read(Path file) throws IOException {
        String what = file.toString();
        SortedMap<String, NpyArray> arrays = new TreeMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = memberName(e, what);
                if (arrays.containsKey(name)) {
                    throw new IOException(what + ": member '" + e.getName() + "' appears twice");
                }
                String where = what + " member '" + name + "'";
                arrays.put(name, NpyArray.parse(memberBytes(zip, e, where), where));
            }
        } catch (ZipException e) {
            throw new IOException(what + ": not a readable .npz (zip) archive: " + e.getMessage(), e);
        }
        return new NpzFile(what, arrays);
    }

    private static String memberName(ZipEntry e, String what) throws IOException {
        String n = e.getName();
        if (e.isDirectory() || !n.endsWith(".npy") || n.length() == 4) {
            throw new IOException(what + ": member '" + n + "' is not a .npy array (an .npz holds only NAME.npy members)");
        }
        return n.substring(0, n.length() - 4);
    }

    /** A member's bytes, checked against its CRC (which ZipFile's stream does not check). */
    private static byte[] memberBytes(ZipFile zip, ZipEntry e, String where) throws IOException {
        if (e.getSize() > NpyArray.MAX_BYTES) {
            throw new IOException(where + ": " + e.getSize() + " bytes, more than one Java array holds");
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(e)) {
            bytes = in.readNBytes(NpyArray.MAX_BYTES);
        } catch (ZipException | java.io.EOFException ex) {
            throw new IOException(where + ": corrupt or truncated compressed data: " + ex.getMessage(), ex);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
            throw new IOException(where + ": CRC mismatch (the archive is corrupt)");
        }
        return bytes;
    }

    // ---- writing ----

    /** The archive's bytes: {@code compressed} deflates the members like {@code np.savez_compressed}, else stores them like {@code np.savez}. */
    public byte[] toBytes(boolean compressed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out, compressed);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** Writes the archive to {@code file}. */
    public void write(Path file, boolean compressed) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out, compressed);
        }
    }

    private void write(OutputStream out, boolean compressed) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (var a : arrays.entrySet()) {
                byte[] npy = a.getValue().toBytes();
                ZipEntry e = new ZipEntry(a.getKey() + ".npy");
                e.setTimeLocal(ZIP_EPOCH);
                if (compressed) {
                    e.setMethod(ZipEntry.DEFLATED);
                } else {
                    // A stored entry needs its sizes and CRC before its data.
                    CRC32 crc = new CRC32();
                    crc.update(npy);
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(npy.length);
                    e.setCompressedSize(npy.length);
                    e.setCrc(crc.getValue());
                }
                zip.putNextEntry(e);
                zip.write(npy);
                zip.closeEntry();
            }
        }
    }
}

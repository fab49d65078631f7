package dev.verity.proof.store;

import dev.verity.merkle.Sha256;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A {@link BlobStore} in a local directory: {@code dir/ab/abcdef…} per blob, written atomically. */
public final class LocalBlobStore implements BlobStore {
    private final Path dir;

    public LocalBlobStore(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    public Path dir() {
        return dir;
    }

    private Path path(String key) {
        BlobStore.checkKey(key);
        return dir.resolve(key.substring(0, 2)).resolve(key);
    }

    @Override
    public String put(byte[] bytes) throws IOException {
        String key = Sha256.hex(Sha256.hash(bytes));
        Path p = path(key);
        if (Files.exists(p)) {
            return key;
        }
        Files.createDirectories(p.getParent());
        Path tmp = Files.createTempFile(p.getParent(), key.substring(0, 8), ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return key;
    }

    @Override
    public byte[] get(String key) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(path(key));
        } catch (NoSuchFileException e) {
            throw new MissingBlobException(key);
        }
        String actual = Sha256.hex(Sha256.hash(b));
        if (!actual.equals(key)) {
            throw new CorruptBlobException(key, actual);
        }
        return b;
    }

    @Override
    public boolean has(String key) {
        return Files.exists(path(key));
    }

    /** Removes a blob (tests of withheld data). */
    public void delete(String key) throws IOException {
        Files.deleteIfExists(path(key));
    }

    /** Overwrites a blob's bytes without changing its key (tests of corrupt data). */
    public void corrupt(String key, byte[] bytes) throws IOException {
        Files.write(path(key), bytes);
    }
}

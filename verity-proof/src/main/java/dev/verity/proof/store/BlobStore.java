package dev.verity.proof.store;

import java.io.IOException;

/**
 * Content-addressed storage: a blob's key is the SHA-256 of its bytes (64 hex digits), and every
 * read is checked against its key, so a corrupt or substituted blob is an error, never data.
 */
public interface BlobStore {
    /** Stores {@code bytes} and returns their key. Storing the same bytes twice is a no-op. */
    String put(byte[] bytes) throws IOException;

    /** The bytes under {@code key}, verified; {@link MissingBlobException} or {@link CorruptBlobException} otherwise. */
    byte[] get(String key) throws IOException;

    boolean has(String key) throws IOException;

    /** No blob under this key. */
    final class MissingBlobException extends IOException {
        public MissingBlobException(String key) {
            super("blob " + key + " is not in the store (withheld or never uploaded)");
        }
    }

    /** The stored bytes do not hash to their key. */
    final class CorruptBlobException extends IOException {
        public CorruptBlobException(String key, String actual) {
            super("blob " + key + " is corrupt: its bytes hash to " + actual);
        }
    }

    static void checkKey(String key) {
        if (key == null || !key.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a blob key is 64 lowercase hex digits, got '" + key + "'");
        }
    }
}

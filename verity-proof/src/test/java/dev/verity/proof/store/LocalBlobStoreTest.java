package dev.verity.proof.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobStoreTest {
    @Test
    void contentAddressedWithVerifiedReads(@TempDir Path dir) throws Exception {
        LocalBlobStore s = new LocalBlobStore(dir);
        byte[] b = "checkpoint".getBytes(StandardCharsets.UTF_8);
        String k = s.put(b);
        assertEquals("f2d9d3ae6e8f7a9bfc0c6b1fdc1ba51c1fdc3b3ddaf42e6c9a4d1a8bab6c6a4d".length(), k.length());
        assertEquals(k, s.put(b));
        assertArrayEquals(b, s.get(k));
        s.corrupt(k, "tampered".getBytes(StandardCharsets.UTF_8));
        Exception e = assertThrows(BlobStore.CorruptBlobException.class, () -> s.get(k));
        assertTrue(e.getMessage().contains("corrupt"));
        s.delete(k);
        assertThrows(BlobStore.MissingBlobException.class, () -> s.get(k));
        assertThrows(IllegalArgumentException.class, () -> s.get("../../etc/passwd"));
    }
}

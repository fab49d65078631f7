package dev.verity.node.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link BlobStore} backend must do, run against each one. Subclasses supply the store and
 * a way to damage a stored blob behind the store's back (the file, the S3 object, the server's disk).
 * Each test writes blobs no other test writes, so one store may serve a whole class.
 */
@Timeout(120) // a bound on network tests that hang, not a performance assertion
abstract class BlobStoreContract {
    /** The store under test. */
    abstract BlobStore store();

    /** Replaces the stored bytes of {@code key} with {@code bytes}, bypassing the store's checks. */
    abstract void tamper(String key, byte[] bytes) throws Exception;

    /** Deterministic bytes that differ between labels (and so between tests). */
    static byte[] blob(String label, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(label.hashCode() * 0x9E3779B97F4A7C15L + size).nextBytes(b);
        byte[] tag = label.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(tag, 0, b, 0, Math.min(tag.length, size));
        return b;
    }

    static String keyOf(byte[] b) {
        return Sha256.hex(Sha256.hash(b));
    }

    @Test
    void putThenGetReturnsTheSameBytesUnderTheirSha256() throws Exception {
        byte[] b = blob(getClass().getSimpleName() + "/roundtrip", 4096);
        String key = store().put(b);
        assertEquals(keyOf(b), key);
        assertTrue(store().has(key));
        assertArrayEquals(b, store().get(key));
    }

    @Test
    void emptyBlobRoundtrips() throws Exception {
        String key = store().put(new byte[0]);
        assertEquals(keyOf(new byte[0]), key);
        assertArrayEquals(new byte[0], store().get(key));
    }

    @Test
    void puttingTheSameBytesTwiceIsANoOp() throws Exception {
        byte[] b = blob(getClass().getSimpleName() + "/idempotent", 1000);
        String k1 = store().put(b);
        String k2 = store().put(b.clone());
        assertEquals(k1, k2);
        assertArrayEquals(b, store().get(k1));
    }

    @Test
    void hasIsFalseForABlobNeverStored() throws Exception {
        String never = keyOf(blob(getClass().getSimpleName() + "/never-stored", 77));
        assertFalse(store().has(never));
    }

    @Test
    void missingKeyIsMissingBlobExceptionNamingTheKey() {
        String never = keyOf(blob(getClass().getSimpleName() + "/missing", 99));
        BlobStore.MissingBlobException e = assertThrows(BlobStore.MissingBlobException.class, () -> store().get(never));
        assertTrue(e.getMessage().contains(never), e.getMessage());
    }

    @Test
    void badKeysAreRefusedBeforeAnyLookup() {
        for (String bad : List.of("../../etc/passwd", "abc", "A".repeat(64), "g".repeat(64), "0".repeat(63), "0".repeat(65))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store().get(bad), bad);
            assertTrue(e.getMessage().contains("64 lowercase hex"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> store().has(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> store().get(null));
    }

    @Test
    void tamperedBytesAreCorruptBlobExceptionNamingTheKey() throws Exception {
        byte[] b = blob(getClass().getSimpleName() + "/tampered", 2048);
        String key = store().put(b);
        byte[] other = b.clone();
        other[1000] ^= 1; // one flipped bit is enough
        tamper(key, other);
        BlobStore.CorruptBlobException e = assertThrows(BlobStore.CorruptBlobException.class, () -> store().get(key));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertTrue(e.getMessage().contains(keyOf(other)), "names the hash the bytes really have: " + e.getMessage());
    }

    @Test
    void twentyMegabyteBlobRoundtrips() throws Exception {
        byte[] b = blob(getClass().getSimpleName() + "/20MB", 20_000_000);
        String key = store().put(b);
        assertEquals(keyOf(b), key);
        assertArrayEquals(b, store().get(key));
    }

    @Test
    void concurrentPutsAndGetsFromFourThreads() throws Exception {
        int threads = 4;
        int perThread = 6;
        byte[] shared = blob(getClass().getSimpleName() + "/shared", 50_000);
        List<byte[]> blobs = new ArrayList<>();
        for (int i = 0; i < threads * perThread; i++) {
            blobs.add(blob(getClass().getSimpleName() + "/concurrent/" + i, 30_000 + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            // Phase 1: every thread puts its own blobs and, at the same time as the others, the shared one.
            List<Callable<Void>> puts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * perThread;
                puts.add(() -> {
                    assertEquals(keyOf(shared), store().put(shared));
                    for (int i = first; i < first + perThread; i++) {
                        assertEquals(keyOf(blobs.get(i)), store().put(blobs.get(i)));
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(puts)) {
                f.get();
            }
            // Phase 2: every thread reads every blob, the others' included.
            List<Callable<Void>> gets = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                gets.add(() -> {
                    for (int j = 0; j < blobs.size(); j++) {
                        byte[] b = blobs.get((j + offset * perThread) % blobs.size());
                        assertArrayEquals(b, store().get(keyOf(b)));
                    }
                    assertArrayEquals(shared, store().get(keyOf(shared)));
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(gets)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

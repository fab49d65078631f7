package dev.verity.node.blob;

import static dev.verity.node.blob.BlobStoreContract.blob;
import static dev.verity.node.blob.BlobStoreContract.keyOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache's own promises, with plain directories on both sides so every copy can be inspected. */
class CachedBlobStoreTest {
    @TempDir
    Path localDir;
    @TempDir
    Path remoteDir;

    @Test
    void readThroughKeepsAVerifiedLocalCopy() throws Exception {
        LocalBlobStore local = new LocalBlobStore(localDir);
        LocalBlobStore remote = new LocalBlobStore(remoteDir);
        byte[] b = blob("read-through", 10_000);
        String key = remote.put(b);
        CachedBlobStore cached = new CachedBlobStore(local, remote);
        assertFalse(local.has(key));
        assertTrue(cached.has(key), "has() looks at the remote too");
        assertArrayEquals(b, cached.get(key));
        assertArrayEquals(b, local.get(key), "the fetched blob is now on local disk");
        remote.delete(key);
        assertArrayEquals(b, cached.get(key), "served from the cache once the remote no longer has it");
    }

    @Test
    void writeThroughStoresBothCopies() throws Exception {
        LocalBlobStore local = new LocalBlobStore(localDir);
        LocalBlobStore remote = new LocalBlobStore(remoteDir);
        byte[] b = blob("write-through", 777);
        String key = new CachedBlobStore(local, remote).put(b);
        assertArrayEquals(b, local.get(key));
        assertArrayEquals(b, remote.get(key));
    }

    @Test
    void missingEverywhereIsMissing() throws Exception {
        CachedBlobStore cached = new CachedBlobStore(new LocalBlobStore(localDir), new LocalBlobStore(remoteDir));
        String key = keyOf(blob("nowhere", 5));
        assertThrows(BlobStore.MissingBlobException.class, () -> cached.get(key));
        assertFalse(cached.has(key));
    }

    @Test
    void corruptLocalCopyIsReplacedFromTheRemote() throws Exception {
        LocalBlobStore local = new LocalBlobStore(localDir);
        LocalBlobStore remote = new LocalBlobStore(remoteDir);
        CachedBlobStore cached = new CachedBlobStore(local, remote);
        byte[] b = blob("repair", 4000);
        String key = cached.put(b);
        local.corrupt(key, blob("rot", 4000));
        assertArrayEquals(b, cached.get(key));
        assertArrayEquals(b, local.get(key), "the bad local file was rewritten");
    }

    @Test
    void aRemoteThatServesWrongBytesIsCorruptAndNothingIsCached() throws Exception {
        LocalBlobStore local = new LocalBlobStore(localDir);
        byte[] fake = blob("fake", 100);
        BlobStore liar = new BlobStore() {
            @Override
            public String put(byte[] bytes) {
                return keyOf(bytes);
            }

            @Override
            public byte[] get(String key) {
                return fake; // skips the verification every honest store does
            }

            @Override
            public boolean has(String key) {
                return true;
            }
        };
        CachedBlobStore cached = new CachedBlobStore(local, liar);
        String key = keyOf(blob("wanted", 100));
        BlobStore.CorruptBlobException e = assertThrows(BlobStore.CorruptBlobException.class, () -> cached.get(key));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertFalse(local.has(key));
        assertFalse(local.has(keyOf(fake)));
    }

    @Test
    void aFailedPublishFailsThePutButKeepsTheLocalCopy() throws Exception {
        LocalBlobStore local = new LocalBlobStore(localDir);
        BlobStore down = new BlobStore() {
            @Override
            public String put(byte[] bytes) throws IOException {
                throw new IOException("remote store is down");
            }

            @Override
            public byte[] get(String key) throws IOException {
                throw new IOException("remote store is down");
            }

            @Override
            public boolean has(String key) throws IOException {
                throw new IOException("remote store is down");
            }
        };
        byte[] b = blob("unpublished", 100);
        IOException e = assertThrows(IOException.class, () -> new CachedBlobStore(local, down).put(b));
        assertTrue(e.getMessage().contains("down"));
        assertArrayEquals(b, local.get(keyOf(b)));
    }

    @Test
    void refusesNonsense() throws Exception {
        LocalBlobStore local = new LocalBlobStore(localDir);
        assertThrows(IllegalArgumentException.class, () -> new CachedBlobStore(local, local));
        assertThrows(IllegalArgumentException.class, () -> new CachedBlobStore(null, local));
    }
}

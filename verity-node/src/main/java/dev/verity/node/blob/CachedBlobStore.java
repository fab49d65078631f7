package dev.verity.node.blob;

import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;

/**
 * A node's view of the network's blobs: its own disk in front of a shared remote store.
 *
 * <p>Reads go to {@code local} first; a miss is fetched from {@code remote}, verified against its key
 * here (whatever the remote claims to have checked) and kept locally, so a checkpoint crosses the
 * network once per node. Writes go to both, local first, so a blob this node produced is readable
 * here even if publishing it fails (the put still fails: the caller must know the network does not
 * have it). A corrupt local copy is not an answer: the blob is fetched again from the remote and,
 * when the cache is a {@link LocalBlobStore}, the bad copy is replaced.
 */
public final class CachedBlobStore implements BlobStore, AutoCloseable {
    private final BlobStore local;
    private final BlobStore remote;

    public CachedBlobStore(BlobStore local, BlobStore remote) {
        if (local == null || remote == null) {
            throw new IllegalArgumentException("a cached blob store needs both a local and a remote store");
        }
        if (local == remote) {
            throw new IllegalArgumentException("a cached blob store's local and remote stores must differ");
        }
        this.local = local;
        this.remote = remote;
    }

    public BlobStore local() {
        return local;
    }

    public BlobStore remote() {
        return remote;
    }

    @Override
    public String put(byte[] bytes) throws IOException {
        String key = local.put(bytes);
        String remoteKey = remote.put(bytes);
        if (!key.equals(remoteKey)) {
            throw new IOException("remote store filed blob " + key + " under " + remoteKey);
        }
        return key;
    }

    @Override
    public byte[] get(String key) throws IOException {
        BlobStore.checkKey(key);
        boolean corruptLocally = false;
        try {
            return local.get(key);
        } catch (MissingBlobException e) {
            // not cached yet: fetch below
        } catch (CorruptBlobException e) {
            corruptLocally = true;
        }
        byte[] bytes = remote.get(key);
        String actual = Sha256.hex(Sha256.hash(bytes));
        if (!actual.equals(key)) {
            throw new CorruptBlobException(key, actual + " (from the remote store " + remote + ")");
        }
        if (corruptLocally && local instanceof LocalBlobStore disk) {
            disk.delete(key); // LocalBlobStore.put keeps an existing file, so the bad one must go first
        }
        local.put(bytes);
        return bytes;
    }

    @Override
    public boolean has(String key) throws IOException {
        return local.has(key) || remote.has(key);
    }

    /** Closes whichever of the two stores hold connections (HTTP clients, S3 clients). */
    @Override
    public void close() throws IOException {
        try {
            BlobStores.close(remote);
        } finally {
            BlobStores.close(local);
        }
    }

    @Override
    public String toString() {
        return "CachedBlobStore[local=" + local + ", remote=" + remote + "]";
    }
}

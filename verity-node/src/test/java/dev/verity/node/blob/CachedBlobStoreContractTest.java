package dev.verity.node.blob;

import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The contract for a node's disk in front of a blob server on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CachedBlobStoreContractTest extends BlobStoreContract {
    LocalBlobStore cache;
    LocalBlobStore serverDisk;
    HttpBlobServer server;
    CachedBlobStore store;

    @BeforeAll
    void start(@TempDir Path cacheDir, @TempDir Path serverDir) throws Exception {
        cache = new LocalBlobStore(cacheDir);
        serverDisk = new LocalBlobStore(serverDir);
        server = HttpBlobServer.start(serverDisk, HttpBlobServer.Config.loopback());
        store = new CachedBlobStore(cache, new HttpBlobStore(server.uri()));
    }

    @AfterAll
    void stop() throws Exception {
        if (store != null) {
            store.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    BlobStore store() {
        return store;
    }

    @Override
    void tamper(String key, byte[] bytes) throws Exception {
        // Both copies: a bad cache entry alone is repaired from the network (CachedBlobStoreTest).
        cache.corrupt(key, bytes);
        serverDisk.corrupt(key, bytes);
    }
}

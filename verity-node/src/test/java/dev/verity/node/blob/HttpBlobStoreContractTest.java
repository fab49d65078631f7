package dev.verity.node.blob;

import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The contract through a real HTTP server on 127.0.0.1, backed by a directory the test can damage. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpBlobStoreContractTest extends BlobStoreContract {
    LocalBlobStore backing;
    HttpBlobServer server;
    HttpBlobStore client;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        backing = new LocalBlobStore(dir);
        server = HttpBlobServer.start(backing, HttpBlobServer.Config.loopback());
        client = new HttpBlobStore(server.uri());
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    BlobStore store() {
        return client;
    }

    @Override
    void tamper(String key, byte[] bytes) throws Exception {
        backing.corrupt(key, bytes); // the server's disk, behind the server's back
    }
}

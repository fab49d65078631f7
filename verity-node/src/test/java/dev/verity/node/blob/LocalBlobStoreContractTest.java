package dev.verity.node.blob;

import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The contract on local disk: the reference every remote backend must match. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalBlobStoreContractTest extends BlobStoreContract {
    LocalBlobStore store;

    @BeforeAll
    void open(@TempDir Path dir) throws Exception {
        store = new LocalBlobStore(dir);
    }

    @Override
    BlobStore store() {
        return store;
    }

    @Override
    void tamper(String key, byte[] bytes) throws Exception {
        store.corrupt(key, bytes); // rewrites the file under dir/ab/abcd...
    }
}

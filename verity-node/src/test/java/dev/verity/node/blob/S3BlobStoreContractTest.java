package dev.verity.node.blob;

import dev.verity.proof.store.BlobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The contract against a real S3 server (S3Proxy in this JVM), damaged through a raw S3 client. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3BlobStoreContractTest extends BlobStoreContract {
    S3TestServer s3;
    S3BlobStore store;
    S3Client raw;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        s3 = new S3TestServer(dir);
        store = new S3BlobStore(s3.config("verity-contract", "net/blobs/"));
        store.createBucketIfAbsent();
        raw = S3BlobStore.client(store.config());
    }

    @AfterAll
    void stop() throws Exception {
        if (raw != null) {
            raw.close();
        }
        if (store != null) {
            store.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    BlobStore store() {
        return store;
    }

    @Override
    void tamper(String key, byte[] bytes) {
        // Overwrite the object with other bytes, as a careless or hostile bucket owner could.
        raw.putObject(r -> r.bucket("verity-contract").key("net/blobs/" + key), RequestBody.fromBytes(bytes));
    }
}

package dev.verity.node.blob;

import static dev.verity.node.blob.BlobStoreContract.blob;
import static dev.verity.node.blob.BlobStoreContract.keyOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

@Timeout(60)
class BlobStoresTest {
    @TempDir
    Path dir;

    @Test
    void pathsAndFileUrisAreLocalDisk() throws Exception {
        Path a = dir.resolve("a");
        assertEquals(a, ((LocalBlobStore) BlobStores.open(a.toString())).dir());
        assertEquals(a, ((LocalBlobStore) BlobStores.open("file:" + a)).dir());
        assertEquals(a, ((LocalBlobStore) BlobStores.open("file://" + a)).dir());
        assertEquals(a, ((LocalBlobStore) BlobStores.open("  " + a + "  ")).dir());
        assertTrue(Files.isDirectory(a), "created on open");
    }

    @Test
    void httpUriIsAnHttpStoreAndCacheWrapsIt() throws Exception {
        LocalBlobStore serverDisk = new LocalBlobStore(dir.resolve("server"));
        try (HttpBlobServer server = HttpBlobServer.start(serverDisk, HttpBlobServer.Config.loopback())) {
            BlobStore plain = BlobStores.open(server.uri().toString());
            try {
                assertInstanceOf(HttpBlobStore.class, plain);
                byte[] b = blob("via-uri", 1000);
                String key = plain.put(b);
                assertArrayEquals(b, serverDisk.get(key));
            } finally {
                BlobStores.close(plain);
            }
            byte[] c = blob("cached-via-uri", 1000);
            String ck = serverDisk.put(c);
            Path cacheDir = dir.resolve("cache");
            BlobStore cached = BlobStores.open(server.uri() + "?cache=" + cacheDir + "&timeout=20");
            try {
                assertInstanceOf(CachedBlobStore.class, cached);
                assertArrayEquals(c, cached.get(ck));
                assertArrayEquals(c, new LocalBlobStore(cacheDir).get(ck), "read-through filled the cache dir");
            } finally {
                BlobStores.close(cached);
            }
        }
    }

    @Test
    void s3UriWithEndpointRegionAndPathStyle() throws Exception {
        // Credentials the way a deployment gives them: the SDK's default chain (here its system properties).
        String oldId = System.getProperty("aws.accessKeyId");
        String oldSecret = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.accessKeyId", S3TestServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3TestServer.SECRET_KEY);
        try (S3TestServer s3 = new S3TestServer(dir.resolve("s3"))) {
            try (S3BlobStore setup = new S3BlobStore(s3.config("verity-uri", ""))) {
                setup.createBucketIfAbsent();
            }
            BlobStore store = BlobStores.open("s3://verity-uri/task/7?endpoint=" + s3.endpoint + "&region=us-east-1&pathStyle=true");
            try {
                S3BlobStore s = assertInstanceOf(S3BlobStore.class, store);
                assertEquals("task/7/", s.config().prefix());
                assertEquals(s3.endpoint, s.config().endpoint());
                byte[] b = blob("s3-uri", 3000);
                String key = store.put(b);
                assertArrayEquals(b, store.get(key));
                try (S3Client raw = S3BlobStore.client(s3.config("verity-uri", ""))) {
                    assertArrayEquals(b, raw.getObjectAsBytes(r -> r.bucket("verity-uri").key("task/7/" + key)).asByteArray(),
                            "stored at prefix + key");
                }
            } finally {
                BlobStores.close(store);
            }
        } finally {
            restore("aws.accessKeyId", oldId);
            restore("aws.secretAccessKey", oldSecret);
        }
    }

    private static void restore(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }

    @Test
    void everythingElseIsAClearError() {
        String[][] cases = {
                {"", "no blob store given"},
                {"ftp://host/x", "unknown blob store scheme 'ftp:'"},
                {"gs://bucket", "unknown blob store scheme 'gs:'"},
                {"http://127.0.0.1", "needs a port"},
                {"http://127.0.0.1:8700?color=red", "unknown blob store option 'color'"},
                {"http://127.0.0.1:8700?cache=", "cache= needs a directory"},
                {"http://127.0.0.1:8700?timeout=soon", "timeout= is a positive number of seconds"},
                {"s3://", "needs a bucket"},
                {"s3://Bad_Bucket/x", "S3 bucket name must be"},
                {"s3://bucket?pathStyle=maybe", "pathStyle must be true or false"},
                {"s3://bucket?endpoint=ftp://x", "S3 endpoint must be http"},
                {"s3://bucket?region=us-east-1&region=eu-west-1", "given twice"},
                {"file:", "needs a directory"},
                {"file://otherhost/x", "must be on this machine"},
                {"file:/tmp/x?cache=/tmp/y", "takes no options"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("ftp://x"));
        for (String form : new String[] {"file:/path", "http://host:port", "s3://bucket", "endpoint=", "pathStyle=true", "cache=DIR"}) {
            assertTrue(e.getMessage().contains(form), "the message lists the accepted forms: " + e.getMessage());
        }
        assertTrue(keyOf(new byte[0]).length() == 64);
    }
}

package dev.verity.node.blob;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * A real S3 server in the test JVM: S3Proxy with its filesystem backend, on 127.0.0.1 and an
 * ephemeral port, requiring AWS signatures (so the client's signing is exercised too).
 */
final class S3TestServer implements AutoCloseable {
    static final String ACCESS_KEY = "verity-test-access";
    static final String SECRET_KEY = "verity-test-secret";

    private final S3Proxy proxy;
    final URI endpoint;

    S3TestServer(Path dir) throws Exception {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        p.setProperty("jclouds.identity", ACCESS_KEY);
        p.setProperty("jclouds.credential", SECRET_KEY);
        var backend = org.gaul.s3proxy.BlobStores.create("filesystem-nio2", p);
        proxy = S3Proxy.builder()
                .blobStore(backend)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .stopTimeout(0) // no graceful wait for the SDK's idle keep-alive connections
                .build();
        proxy.start(); // synchronous: the port is bound when this returns
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    S3BlobStore.Config config(String bucket, String prefix) {
        return new S3BlobStore.Config(bucket, prefix, "us-east-1", endpoint, true,
                new S3BlobStore.Credentials(ACCESS_KEY, SECRET_KEY), Duration.ofSeconds(30),
                HttpBlobServer.DEFAULT_MAX_BLOB_BYTES);
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}

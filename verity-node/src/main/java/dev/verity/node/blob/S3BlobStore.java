package dev.verity.node.blob;

import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A {@link BlobStore} in an S3 bucket (AWS, or any S3-compatible server through an endpoint override
 * and path-style addressing). A blob lives at {@code prefix + key}.
 *
 * <p>The bucket is not trusted more than any other store: every read is hashed and compared with its
 * key. Uploads carry their SHA-256 as {@code x-amz-checksum-sha256}, so the server itself refuses
 * bytes damaged in transit instead of storing them under the wrong key.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    /** Static S3 credentials; {@link #toString()} never shows the secret. */
    public record Credentials(String accessKeyId, String secretAccessKey) {
        public Credentials {
            if (accessKeyId == null || accessKeyId.isBlank() || secretAccessKey == null || secretAccessKey.isEmpty()) {
                throw new IllegalArgumentException("S3 credentials need both an access key id and a secret access key");
            }
        }

        @Override
        public String toString() {
            return "Credentials[accessKeyId=" + accessKeyId + ", secretAccessKey=***]";
        }
    }

    /**
     * @param bucket the bucket (it must exist; see {@link #createBucketIfAbsent()})
     * @param prefix prepended to every key, "" or ending in "/" (e.g. {@code verity/blobs/})
     * @param region e.g. {@code us-east-1}; null = the SDK's default region chain (AWS_REGION, profile),
     *     or us-east-1 when that finds none, which S3-compatible servers accept
     * @param endpoint null for AWS itself, else the S3-compatible server, e.g. {@code http://127.0.0.1:9000}
     * @param pathStyle {@code http://host/bucket/key} instead of {@code http://bucket.host/key}; most
     *     S3-compatible servers need it
     * @param credentials null = the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the
     *     aws.accessKeyId system properties, ~/.aws profile, instance roles)
     * @param timeout bound on each whole S3 call
     * @param maxBlobBytes largest object this client will read
     */
    public record Config(String bucket, String prefix, String region, URI endpoint, boolean pathStyle,
                         Credentials credentials, Duration timeout, long maxBlobBytes) {
        public Config {
            if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("S3 bucket name must be 3-63 characters of a-z, 0-9, '.' and '-', "
                        + "starting and ending with a letter or digit, got '" + bucket + "'");
            }
            prefix = prefix == null ? "" : prefix;
            if (prefix.startsWith("/")) {
                throw new IllegalArgumentException("S3 key prefix must not start with '/', got '" + prefix + "'");
            }
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix = prefix + "/";
            }
            if (region != null && region.isBlank()) {
                throw new IllegalArgumentException("S3 region must not be blank (leave it out for the default chain)");
            }
            if (endpoint != null) {
                String scheme = endpoint.getScheme();
                if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
                    throw new IllegalArgumentException("S3 endpoint must be http://host:port or https://host:port, got " + endpoint);
                }
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("S3 timeout must be positive, got " + timeout);
            }
            if (maxBlobBytes < 1 || maxBlobBytes > HttpBlobServer.MAX_SUPPORTED_BLOB_BYTES) {
                throw new IllegalArgumentException("max blob bytes must be 1.." + HttpBlobServer.MAX_SUPPORTED_BLOB_BYTES
                        + ", got " + maxBlobBytes);
            }
        }

        /** Bucket and prefix on AWS S3, default region and credentials chains. */
        public static Config of(String bucket, String prefix) {
            return new Config(bucket, prefix, null, null, false, null, Duration.ofMinutes(5), HttpBlobServer.DEFAULT_MAX_BLOB_BYTES);
        }

        public Config withEndpoint(URI endpoint, boolean pathStyle) {
            return new Config(bucket, prefix, region, endpoint, pathStyle, credentials, timeout, maxBlobBytes);
        }

        public Config withRegion(String region) {
            return new Config(bucket, prefix, region, endpoint, pathStyle, credentials, timeout, maxBlobBytes);
        }

        public Config withCredentials(Credentials credentials) {
            return new Config(bucket, prefix, region, endpoint, pathStyle, credentials, timeout, maxBlobBytes);
        }

        public Config withTimeout(Duration timeout) {
            return new Config(bucket, prefix, region, endpoint, pathStyle, credentials, timeout, maxBlobBytes);
        }
    }

    private final Config config;
    private final S3Client s3;
    private final String where;

    public S3BlobStore(Config config) {
        if (config == null) {
            throw new IllegalArgumentException("S3 blob store config must be given");
        }
        this.config = config;
        this.s3 = client(config);
        this.where = "s3://" + config.bucket() + "/" + config.prefix()
                + (config.endpoint() == null ? "" : " at " + config.endpoint());
    }

    /** The SDK client this store uses, built from a config (also handy for tools and tests). */
    public static S3Client client(Config config) {
        AwsCredentialsProvider creds = config.credentials() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        config.credentials().accessKeyId(), config.credentials().secretAccessKey()));
        var b = S3Client.builder()
                .region(region(config.region()))
                .credentialsProvider(creds)
                .forcePathStyle(config.pathStyle())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(config.timeout())
                        .socketTimeout(config.timeout()))
                .overrideConfiguration(o -> o.apiCallTimeout(config.timeout()));
        if (config.endpoint() != null) {
            b.endpointOverride(config.endpoint());
        }
        return b.build();
    }

    private static Region region(String configured) {
        if (configured != null) {
            return Region.of(configured);
        }
        try {
            return DefaultAwsRegionProviderChain.builder().build().getRegion();
        } catch (SdkClientException e) {
            // No region configured anywhere: S3-compatible servers ignore it, and us-east-1 is S3's own default.
            return Region.US_EAST_1;
        }
    }

    public Config config() {
        return config;
    }

    /** The object key of a blob key: {@code prefix + key}. */
    public String objectKey(String key) {
        BlobStore.checkKey(key);
        return config.prefix() + key;
    }

    @Override
    public String put(byte[] bytes) throws IOException {
        if (bytes == null) {
            throw new IllegalArgumentException("blob bytes must not be null");
        }
        byte[] hash = Sha256.hash(bytes);
        String key = Sha256.hex(hash);
        if (has(key)) {
            return key; // content-addressed: the object already holds these bytes (reads verify that)
        }
        String objectKey = objectKey(key);
        try {
            s3.putObject(r -> r.bucket(config.bucket()).key(objectKey)
                            .contentType("application/octet-stream")
                            .checksumSHA256(Base64.getEncoder().encodeToString(hash)),
                    RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("put", key, e);
        }
        return key;
    }

    @Override
    public byte[] get(String key) throws IOException {
        String objectKey = objectKey(key);
        byte[] bytes;
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(config.bucket()).key(objectKey))) {
            Long length = in.response().contentLength();
            if (length != null && length > config.maxBlobBytes()) {
                throw new IOException("blob " + key + " in " + where + " is " + length
                        + " bytes, over this client's limit of " + config.maxBlobBytes());
            }
            bytes = readBounded(in, length == null ? -1 : length, key);
        } catch (NoSuchKeyException e) {
            throw new MissingBlobException(key);
        } catch (SdkException e) {
            throw failure("get", key, e);
        }
        String actual = Sha256.hex(Sha256.hash(bytes));
        if (!actual.equals(key)) {
            throw new CorruptBlobException(key, actual + " (object " + objectKey + " in " + where + ")");
        }
        return bytes;
    }

    @Override
    public boolean has(String key) throws IOException {
        String objectKey = objectKey(key);
        try {
            s3.headObject(r -> r.bucket(config.bucket()).key(objectKey));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            // A HEAD has no error body, so a missing key and a missing bucket are both a bare 404; the
            // bucket case surfaces on the next put or get, which do carry the error code.
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("check", key, e);
        } catch (SdkException e) {
            throw failure("check", key, e);
        }
    }

    /** Creates the bucket if it does not exist yet (a fresh S3-compatible server, a local network). */
    public void createBucketIfAbsent() throws IOException {
        try {
            s3.headBucket(r -> r.bucket(config.bucket()));
            return;
        } catch (NoSuchBucketException e) {
            // create below
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw new IOException("cannot check bucket " + config.bucket() + " in " + where + ": " + describe(e), e);
            }
        } catch (SdkException e) {
            throw new IOException("cannot check bucket " + config.bucket() + " in " + where + ": " + describe(e), e);
        }
        try {
            s3.createBucket(r -> r.bucket(config.bucket()));
        } catch (BucketAlreadyOwnedByYouException e) {
            // created concurrently by another of our own processes: fine
        } catch (SdkException e) {
            throw new IOException("cannot create bucket " + config.bucket() + " in " + where + ": " + describe(e), e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String toString() {
        return "S3BlobStore[" + where + "]";
    }

    private byte[] readBounded(InputStream in, long declared, String key) throws IOException {
        long max = config.maxBlobBytes();
        if (declared >= 0) {
            byte[] exact = new byte[(int) declared]; // checked against max by the caller; one copy only
            int n = in.readNBytes(exact, 0, exact.length);
            if (n != declared) {
                throw new IOException("blob " + key + " in " + where + ": object ended after " + n + " of " + declared + " bytes");
            }
            return exact;
        }
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (bytes.length > max) {
            throw new IOException("blob " + key + " in " + where + " is over this client's limit of " + max + " bytes");
        }
        return bytes;
    }

    private IOException failure(String op, String key, SdkException e) {
        if (e instanceof NoSuchBucketException) {
            return new IOException("cannot " + op + " blob " + key + ": bucket " + config.bucket()
                    + " does not exist in " + where, e);
        }
        return new IOException("cannot " + op + " blob " + key + " in " + where + ": " + describe(e), e);
    }

    private static String describe(SdkException e) {
        if (e instanceof S3Exception s && s.awsErrorDetails() != null) {
            return "HTTP " + s.statusCode() + " " + s.awsErrorDetails().errorCode() + ": " + s.awsErrorDetails().errorMessage();
        }
        return e.getMessage();
    }
}

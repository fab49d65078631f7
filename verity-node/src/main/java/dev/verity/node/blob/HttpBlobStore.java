package dev.verity.node.blob;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A {@link BlobStore} on an {@link HttpBlobServer}, over {@link java.net.http.HttpClient}.
 *
 * <p>Nothing the server sends is trusted: every blob read is hashed here and compared with its key
 * ({@link CorruptBlobException} otherwise), and a response larger than the client's limit is cut off
 * rather than buffered. A 404 is {@link MissingBlobException}; an unreachable or silent server is an
 * {@link IOException} whose message names the URL.
 */
public final class HttpBlobStore implements BlobStore, AutoCloseable {
    /**
     * @param baseUri {@code http://host:port} (or https), optionally with a path prefix
     * @param timeout bound on connecting and on each whole request
     * @param maxBlobBytes largest blob this client will accept from the server
     */
    public record Config(URI baseUri, Duration timeout, long maxBlobBytes) {
        public Config {
            if (baseUri == null) {
                throw new IllegalArgumentException("blob server URI must be given, e.g. http://127.0.0.1:8700");
            }
            String scheme = baseUri.getScheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
                throw new IllegalArgumentException("blob server URI must be http://host:port or https://host:port, got " + baseUri);
            }
            if (baseUri.getHost() == null) {
                throw new IllegalArgumentException("blob server URI has no host: " + baseUri);
            }
            if (baseUri.getRawQuery() != null || baseUri.getRawFragment() != null) {
                throw new IllegalArgumentException("blob server URI must not have a query or fragment: " + baseUri);
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("blob client timeout must be positive, got " + timeout);
            }
            if (maxBlobBytes < 1 || maxBlobBytes > HttpBlobServer.MAX_SUPPORTED_BLOB_BYTES) {
                throw new IllegalArgumentException("max blob bytes must be 1.." + HttpBlobServer.MAX_SUPPORTED_BLOB_BYTES
                        + ", got " + maxBlobBytes);
            }
            // One canonical form without a trailing slash, so "base + /blobs/key" is always right.
            String s = baseUri.toString();
            while (s.endsWith("/")) {
                s = s.substring(0, s.length() - 1);
            }
            baseUri = URI.create(s);
        }

        /** Two minutes per request: a 512 MiB blob over a slow link still fits, a dead server does not hang. */
        public static Config of(URI baseUri) {
            return new Config(baseUri, Duration.ofMinutes(2), HttpBlobServer.DEFAULT_MAX_BLOB_BYTES);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Config config;
    private final HttpClient client;

    public HttpBlobStore(Config config) {
        if (config == null) {
            throw new IllegalArgumentException("blob client config must be given");
        }
        this.config = config;
        // HTTP/1.1 only: the server speaks plain HTTP/1.1, and an h2c upgrade attempt is a wasted round trip.
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public HttpBlobStore(URI baseUri) {
        this(Config.of(baseUri));
    }

    public URI baseUri() {
        return config.baseUri();
    }

    private URI blobUri(String key) {
        BlobStore.checkKey(key);
        return URI.create(config.baseUri() + "/blobs/" + key);
    }

    @Override
    public String put(byte[] bytes) throws IOException {
        if (bytes == null) {
            throw new IllegalArgumentException("blob bytes must not be null");
        }
        String key = Sha256.hex(Sha256.hash(bytes));
        if (has(key)) {
            return key; // content-addressed: the same key is the same bytes, no need to send them again
        }
        URI uri = blobUri(key);
        // Expect: 100-continue lets the server refuse an oversize blob before its body is sent.
        HttpRequest req = HttpRequest.newBuilder(uri)
                .timeout(config.timeout())
                .expectContinue(true)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .build();
        HttpResponse<byte[]> r = send(req, "PUT", HttpResponse.BodyHandlers.ofByteArray());
        int status = r.statusCode();
        if (status == 200 || status == 201) {
            return key;
        }
        throw new IOException("PUT " + uri + " failed: HTTP " + status + ": " + serverMessage(r.body()));
    }

    @Override
    public byte[] get(String key) throws IOException {
        URI uri = blobUri(key);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(config.timeout()).GET().build();
        HttpResponse<InputStream> r = send(req, "GET", HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            int status = r.statusCode();
            if (status == 200) {
                byte[] bytes = readBounded(in, r.headers().firstValueAsLong("Content-Length").orElse(-1), uri);
                String actual = Sha256.hex(Sha256.hash(bytes));
                if (!actual.equals(key)) {
                    throw new CorruptBlobException(key, actual + " (served by " + uri + ")");
                }
                return bytes;
            }
            byte[] err = in.readNBytes(64 * 1024);
            if (status == 404) {
                throw new MissingBlobException(key);
            }
            JsonNode json = parse(err);
            if (json != null && "corrupt".equals(json.path("error").asText())) {
                throw new CorruptBlobException(key, json.path("actual").asText("an unknown hash")
                        + " (the copy held by " + uri + ")");
            }
            throw new IOException("GET " + uri + " failed: HTTP " + status + ": " + serverMessage(err));
        } catch (InterruptedIOException e) {
            throw e;
        } catch (BlobStore.MissingBlobException | BlobStore.CorruptBlobException e) {
            throw e;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains(uri.toString())) {
                throw e;
            }
            throw new IOException("GET " + uri + " failed while reading the body: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean has(String key) throws IOException {
        URI uri = blobUri(key);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        int status = send(req, "HEAD", HttpResponse.BodyHandlers.discarding()).statusCode();
        return switch (status) {
            case 200 -> true;
            case 404 -> false;
            default -> throw new IOException("HEAD " + uri + " failed: HTTP " + status);
        };
    }

    /** The server's {@code /health} answer, e.g. {@code {"status":"ok","maxBlobBytes":536870912}}. */
    public JsonNode health() throws IOException {
        URI uri = URI.create(config.baseUri() + "/health");
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(config.timeout()).GET().build();
        HttpResponse<byte[]> r = send(req, "GET", HttpResponse.BodyHandlers.ofByteArray());
        JsonNode json = parse(r.body());
        if (r.statusCode() != 200 || json == null) {
            throw new IOException("GET " + uri + " failed: HTTP " + r.statusCode() + ": " + serverMessage(r.body()));
        }
        return json;
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "HttpBlobStore[" + config.baseUri() + "]";
    }

    private <T> HttpResponse<T> send(HttpRequest req, String method, HttpResponse.BodyHandler<T> handler) throws IOException {
        String what = method + " " + req.uri();
        try {
            return client.send(req, handler);
        } catch (HttpConnectTimeoutException e) {
            throw new IOException(what + ": could not connect within " + config.timeout().toMillis() + " ms", e);
        } catch (HttpTimeoutException e) {
            throw new IOException(what + ": no complete answer within " + config.timeout().toMillis() + " ms", e);
        } catch (ConnectException e) {
            throw new IOException(what + ": cannot connect (is a blob server running there?): "
                    + (e.getMessage() == null ? "connection refused" : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException ie = new InterruptedIOException(what + ": interrupted");
            ie.initCause(e);
            throw ie;
        } catch (IOException e) {
            throw new IOException(what + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    /** Reads the body up to the client's limit; a server that sends more is cut off, not buffered. */
    private byte[] readBounded(InputStream in, long declared, URI uri) throws IOException {
        long max = config.maxBlobBytes();
        if (declared > max) {
            throw new IOException("GET " + uri + ": server announces " + declared + " bytes, more than this client's blob limit of "
                    + max + " bytes");
        }
        if (declared >= 0) {
            // One exact allocation instead of growing buffers: a 512 MiB checkpoint is copied once, not twice.
            byte[] bytes = new byte[(int) declared];
            int n = in.readNBytes(bytes, 0, bytes.length);
            if (n != declared) {
                throw new IOException("GET " + uri + ": body ended after " + n + " of " + declared + " bytes");
            }
            return bytes;
        }
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (bytes.length > max) {
            throw new IOException("GET " + uri + ": server sent more than " + max + " bytes, this client's blob limit");
        }
        return bytes;
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String serverMessage(byte[] body) {
        JsonNode json = parse(body);
        if (json != null && json.hasNonNull("message")) {
            return json.get("message").asText();
        }
        if (body == null || body.length == 0) {
            return "(no body)";
        }
        String s = new String(body, 0, Math.min(body.length, 500), StandardCharsets.UTF_8);
        return s.strip();
    }
}

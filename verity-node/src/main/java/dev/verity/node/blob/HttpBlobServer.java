package dev.verity.node.blob;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.merkle.Sha256;
import dev.verity.proof.store.BlobStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Serves any {@link BlobStore} over HTTP, so that nodes on other machines can fetch checkpoints,
 * manifests, task specs and datasets by key.
 *
 * <pre>
 * GET  /blobs/{key}   200 the bytes | 404 missing | 400 bad key | 500 the stored copy is corrupt
 * HEAD /blobs/{key}   200 | 404 | 400
 * PUT  /blobs/{key}   201 stored | 200 already there | 400 body does not hash to key | 413 too large
 * GET  /health        200 {"status":"ok","maxBlobBytes":N}
 * </pre>
 *
 * Errors are JSON objects {@code {"error": code, "message": text, ...}}. The server never trusts an
 * upload: a PUT whose body does not hash to the key in its path is refused, so the store only ever
 * holds blobs under their true key. Reads go through {@link BlobStore#get}, which verifies; clients
 * verify again ({@link HttpBlobStore}), because the network and the server are not trusted either.
 *
 * <p>Built on Jetty's core server rather than the JDK's {@code com.sun.net.httpserver}: the JDK
 * server answers {@code Expect: 100-continue} before any handler runs, so a client would send a
 * whole oversize body before hearing 413; Jetty sends 100 only when the handler starts reading, so
 * an oversize upload is refused from its headers alone.
 */
public final class HttpBlobServer implements AutoCloseable {
    /** 512 MiB: larger than any checkpoint of the models Verity trains today, small enough to buffer. */
    public static final long DEFAULT_MAX_BLOB_BYTES = 512L << 20;

    /** Java arrays hold at most about 2^31 bytes, and the BlobStore interface is byte-array based. */
    public static final long MAX_SUPPORTED_BLOB_BYTES = Integer.MAX_VALUE - 8;

    /**
     * Where to listen and how large an upload may be.
     *
     * @param host the interface to bind, e.g. {@code 127.0.0.1} (loopback only) or {@code 0.0.0.0}
     * @param port 0 for an ephemeral port (see {@link #port()})
     * @param maxBlobBytes largest PUT body accepted; larger ones get 413
     */
    public record Config(String host, int port, long maxBlobBytes) {
        public Config {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("blob server host must be given, e.g. 127.0.0.1");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("blob server port must be 0..65535 (0 = any free port), got " + port);
            }
            if (maxBlobBytes < 1 || maxBlobBytes > MAX_SUPPORTED_BLOB_BYTES) {
                throw new IllegalArgumentException("max blob bytes must be 1.." + MAX_SUPPORTED_BLOB_BYTES + ", got " + maxBlobBytes);
            }
        }

        /** Loopback, ephemeral port, the default size limit. */
        public static Config loopback() {
            return new Config("127.0.0.1", 0, DEFAULT_MAX_BLOB_BYTES);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "/blobs/";
    private static final Pattern ACTUAL_HASH = Pattern.compile("hash to ([0-9a-f]{64})");

    private final BlobStore store;
    private final Config config;
    private final Server server;
    private final ServerConnector connector;

    private HttpBlobServer(BlobStore store, Config config) {
        this.store = store;
        this.config = config;
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("verity-blob-server");
        threads.setDaemon(true);
        this.server = new Server(threads);
        this.connector = new ServerConnector(server);
        connector.setHost(config.host());
        connector.setPort(config.port());
        server.addConnector(connector);
        server.setHandler(new BlobHandler());
        server.setErrorHandler(new JsonErrors());
        // Stop at once on close(): a graceful stop would wait out clients' idle keep-alive connections,
        // and a request cut off mid-way is harmless in a content-addressed store (the client retries).
        server.setStopTimeout(0);
    }

    /** Binds and starts serving {@code store}; {@link #close()} stops it. */
    public static HttpBlobServer start(BlobStore store, Config config) throws IOException {
        if (store == null || config == null) {
            throw new IllegalArgumentException("blob server needs a store and a config");
        }
        HttpBlobServer s = new HttpBlobServer(store, config);
        try {
            s.server.start();
        } catch (Exception e) {
            s.close();
            throw new IOException("cannot start blob server on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        return s;
    }

    /** The port actually bound (the ephemeral one when the config asked for 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public String host() {
        return config.host();
    }

    public Config config() {
        return config;
    }

    /** {@code http://host:port}, the base URI that {@link HttpBlobStore} and {@link BlobStores#open} take. */
    public URI uri() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + h + ":" + port());
    }

    /** Blocks until the server is stopped ({@link #close()} from another thread or a shutdown hook). */
    public void awaitStop() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping releases the socket even when a handler fails to finish; nothing to recover.
        } finally {
            server.destroy();
        }
    }

    /** A blocking handler (Handler.Abstract's default): store reads and body reads block a pool thread. */
    private final class BlobHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            try {
                route(request, response, callback);
            } catch (Throwable t) {
                // Anything unexpected is the server's fault and is reported as such, never as data.
                if (!response.isCommitted()) {
                    error(response, callback, 500, "internal", "blob server error: " + t, null);
                } else {
                    callback.failed(t);
                }
            }
            return true;
        }

        private void route(Request request, Response response, Callback callback) throws IOException {
            String path = Request.getPathInContext(request);
            String method = request.getMethod();
            if (path.equals("/health")) {
                if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
                    notAllowed(response, callback, "GET, HEAD");
                    return;
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", "ok");
                body.put("maxBlobBytes", config.maxBlobBytes());
                json(response, callback, 200, body);
                return;
            }
            if (!path.startsWith(PREFIX)) {
                error(response, callback, 404, "not-found",
                        "no such endpoint: " + path + " (endpoints: /blobs/{key}, /health)", null);
                return;
            }
            String key = path.substring(PREFIX.length());
            try {
                BlobStore.checkKey(key);
            } catch (IllegalArgumentException e) {
                error(response, callback, 400, "bad-key", e.getMessage(), null);
                return;
            }
            if (HttpMethod.GET.is(method)) {
                get(key, response, callback);
            } else if (HttpMethod.HEAD.is(method)) {
                response.setStatus(store.has(key) ? 200 : 404);
                callback.succeeded();
            } else if (HttpMethod.PUT.is(method)) {
                put(key, request, response, callback);
            } else {
                notAllowed(response, callback, "GET, HEAD, PUT");
            }
        }

        private void get(String key, Response response, Callback callback) throws IOException {
            byte[] bytes;
            try {
                bytes = store.get(key);
            } catch (BlobStore.MissingBlobException e) {
                error(response, callback, 404, "missing", e.getMessage(), key);
                return;
            } catch (BlobStore.CorruptBlobException e) {
                // The server's own copy is bad: a server fault (500), with the hash the bytes have, so
                // the client can raise the same CorruptBlobException a local read would.
                Map<String, Object> body = errorBody("corrupt", e.getMessage(), key);
                Matcher m = ACTUAL_HASH.matcher(String.valueOf(e.getMessage()));
                if (m.find()) {
                    body.put("actual", m.group(1));
                }
                json(response, callback, 500, body);
                return;
            }
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
            response.write(true, ByteBuffer.wrap(bytes), callback);
        }

        private void put(String key, Request request, Response response, Callback callback) throws IOException {
            long declared = request.getLength();
            long max = config.maxBlobBytes();
            if (declared > max) {
                // Refused from the headers alone: the body is never read (and with Expect: 100-continue
                // never sent).
                tooLarge(response, callback, "blob of " + declared + " bytes", max);
                return;
            }
            byte[] body;
            InputStream in = Content.Source.asInputStream(request);
            if (declared >= 0) {
                body = new byte[(int) declared]; // one exact allocation: a large checkpoint is copied once
                int n = in.readNBytes(body, 0, body.length);
                if (n != declared) {
                    error(response, callback, 400, "truncated",
                            "request body ended after " + n + " of " + declared + " declared bytes", key);
                    return;
                }
            } else {
                // No Content-Length (chunked): read at most max + 1 bytes to tell "fits" from "too large".
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                byte[] chunk = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    total += n;
                    if (total > max) {
                        tooLarge(response, callback, "chunked blob of more than " + max + " bytes", max);
                        return;
                    }
                    buf.write(chunk, 0, n);
                }
                body = buf.toByteArray();
            }
            String actual = Sha256.hex(Sha256.hash(body));
            if (!actual.equals(key)) {
                Map<String, Object> err = errorBody("hash-mismatch",
                        "request body (" + body.length + " bytes) hashes to " + actual + ", not to the key " + key
                                + "; a blob can only be stored under the SHA-256 of its bytes", key);
                err.put("actual", actual);
                json(response, callback, 400, err);
                return;
            }
            boolean existed = store.has(key);
            String stored = store.put(body);
            if (!stored.equals(key)) {
                throw new IOException("store filed " + key + " under " + stored);
            }
            Map<String, Object> ok = new LinkedHashMap<>();
            ok.put("key", key);
            ok.put("size", body.length);
            ok.put("created", !existed);
            json(response, callback, existed ? 200 : 201, ok);
        }

        private void tooLarge(Response response, Callback callback, String what, long max) {
            Map<String, Object> err = errorBody("too-large",
                    what + " is over this server's limit of " + max + " bytes (verity blob serve --max-blob-bytes)", null);
            err.put("maxBlobBytes", max);
            // The unread body makes the connection unusable for another request.
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            json(response, callback, 413, err);
        }

        private void notAllowed(Response response, Callback callback, String allow) {
            response.getHeaders().put(HttpHeader.ALLOW, allow);
            error(response, callback, 405, "method-not-allowed", "allowed methods here: " + allow, null);
        }
    }

    /**
     * Errors Jetty raises before the handler runs (a malformed or ambiguous request line, e.g. an
     * encoded '/' in a key) are JSON too, so clients parse one error format.
     */
    private static final class JsonErrors extends ErrorHandler {
        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                        Callback callback) {
            String text = message != null ? message : HttpStatus.getMessage(code);
            json(response, callback, code, errorBody(code == 400 ? "bad-request" : "http-" + code, text, null));
        }
    }

    private static Map<String, Object> errorBody(String code, String message, String key) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        if (key != null) {
            body.put("key", key);
        }
        return body;
    }

    private static void error(Response response, Callback callback, int status, String code, String message, String key) {
        json(response, callback, status, errorBody(code, message, key));
    }

    private static void json(Response response, Callback callback, int status, Map<String, Object> body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a JSON response", e);
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}

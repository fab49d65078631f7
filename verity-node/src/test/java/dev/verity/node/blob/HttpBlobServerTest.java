package dev.verity.node.blob;

import static dev.verity.node.blob.BlobStoreContract.blob;
import static dev.verity.node.blob.BlobStoreContract.keyOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API itself, spoken by a raw client, and the client's defences against a bad server. */
@Timeout(60)
class HttpBlobServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long LIMIT = 100_000;

    @TempDir
    Path dir;
    LocalBlobStore disk;
    HttpBlobServer server;
    HttpClient http;

    @BeforeEach
    void start() throws IOException {
        disk = new LocalBlobStore(dir);
        server = HttpBlobServer.start(disk, new HttpBlobServer.Config("127.0.0.1", 0, LIMIT));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void stop() {
        http.close();
        server.close();
    }

    URI uri(String path) {
        return URI.create(server.uri() + path);
    }

    HttpResponse<byte[]> send(HttpRequest.Builder req) throws Exception {
        return http.send(req.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        return JSON.readTree(r.body());
    }

    @Test
    void boundToAnEphemeralLoopbackPort() {
        assertTrue(server.port() > 0);
        assertEquals("http://127.0.0.1:" + server.port(), server.uri().toString());
    }

    @Test
    void healthReportsTheLimit() throws Exception {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/health")).GET());
        assertEquals(200, r.statusCode());
        JsonNode j = json(r);
        assertEquals("ok", j.get("status").asText());
        assertEquals(LIMIT, j.get("maxBlobBytes").asLong());
        try (HttpBlobStore client = new HttpBlobStore(server.uri())) {
            assertEquals(LIMIT, client.health().get("maxBlobBytes").asLong());
        }
    }

    @Test
    void putGetHeadOverTheWire() throws Exception {
        byte[] b = blob("wire", 5000);
        String key = keyOf(b);
        assertEquals(404, send(HttpRequest.newBuilder(uri("/blobs/" + key)).method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode());
        HttpResponse<byte[]> miss = send(HttpRequest.newBuilder(uri("/blobs/" + key)).GET());
        assertEquals(404, miss.statusCode());
        assertEquals("missing", json(miss).get("error").asText());
        assertTrue(json(miss).get("message").asText().contains(key));

        HttpResponse<byte[]> created = send(HttpRequest.newBuilder(uri("/blobs/" + key)).PUT(HttpRequest.BodyPublishers.ofByteArray(b)));
        assertEquals(201, created.statusCode());
        assertEquals(key, json(created).get("key").asText());
        HttpResponse<byte[]> again = send(HttpRequest.newBuilder(uri("/blobs/" + key)).PUT(HttpRequest.BodyPublishers.ofByteArray(b)));
        assertEquals(200, again.statusCode(), "a second PUT of the same bytes is a no-op");
        assertFalse(json(again).get("created").asBoolean());

        assertEquals(200, send(HttpRequest.newBuilder(uri("/blobs/" + key)).method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode());
        HttpResponse<byte[]> got = send(HttpRequest.newBuilder(uri("/blobs/" + key)).GET());
        assertEquals(200, got.statusCode());
        assertEquals("application/octet-stream", got.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals(b, got.body());
        assertArrayEquals(b, disk.get(key), "stored in the backing store under its key");
    }

    @Test
    void putWhoseBodyDoesNotHashToTheKeyIsRefused() throws Exception {
        byte[] b = blob("honest", 3000);
        String key = keyOf(b);
        byte[] other = blob("substituted", 3000);
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/blobs/" + key)).PUT(HttpRequest.BodyPublishers.ofByteArray(other)));
        assertEquals(400, r.statusCode());
        JsonNode j = json(r);
        assertEquals("hash-mismatch", j.get("error").asText());
        assertEquals(keyOf(other), j.get("actual").asText());
        assertTrue(j.get("message").asText().contains("hashes to " + keyOf(other) + ", not to the key " + key), j.toString());
        assertFalse(disk.has(key));
        assertFalse(disk.has(keyOf(other)), "nothing stored under either key");
    }

    @Test
    void badKeysAre400() throws Exception {
        for (String bad : List.of("xyz", "A".repeat(64), "0".repeat(63), "0".repeat(64) + "/x")) {
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/blobs/" + bad)).GET());
            assertEquals(400, r.statusCode(), bad);
            assertEquals("bad-key", json(r).get("error").asText());
            HttpResponse<byte[]> p = send(HttpRequest.newBuilder(uri("/blobs/" + bad)).PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[1])));
            assertEquals(400, p.statusCode(), bad);
        }
    }

    @Test
    void requestsJettyRefusesBeforeTheHandlerStillGetJsonErrors() throws Exception {
        // An encoded '/' is an ambiguous path: refused by Jetty's URI checks, answered in the same JSON form.
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/blobs/..%2F..%2Fetc%2Fpasswd")).GET());
        assertEquals(400, r.statusCode());
        JsonNode j = json(r);
        assertEquals("bad-request", j.get("error").asText());
        assertFalse(j.get("message").asText().isBlank());
    }

    @Test
    void unknownPathsAndMethods() throws Exception {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/nothing")).GET());
        assertEquals(404, r.statusCode());
        assertEquals("not-found", json(r).get("error").asText());
        HttpResponse<byte[]> d = send(HttpRequest.newBuilder(uri("/blobs/" + "0".repeat(64))).DELETE());
        assertEquals(405, d.statusCode());
        assertEquals("GET, HEAD, PUT", d.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void blobAtTheLimitIsAcceptedOneByteMoreIs413() throws Exception {
        byte[] atLimit = blob("at-limit", (int) LIMIT);
        try (HttpBlobStore client = new HttpBlobStore(server.uri())) {
            assertEquals(keyOf(atLimit), client.put(atLimit));
            byte[] over = blob("over-limit", (int) LIMIT + 1);
            IOException e = assertThrows(IOException.class, () -> client.put(over));
            assertTrue(e.getMessage().contains("HTTP 413"), e.getMessage());
            assertTrue(e.getMessage().contains("limit of " + LIMIT + " bytes"), e.getMessage());
            assertFalse(disk.has(keyOf(over)));
        }
    }

    @Test
    void oversizeIsRefusedFromTheHeadersWithExpectContinue() throws Exception {
        // 50x the limit: with Expect: 100-continue the server answers 413 before the body is sent.
        byte[] huge = blob("huge", (int) LIMIT * 50);
        AtomicBoolean bodyRequested = new AtomicBoolean();
        HttpRequest.BodyPublisher bytes = HttpRequest.BodyPublishers.ofByteArray(huge);
        HttpRequest.BodyPublisher watched = new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return bytes.contentLength();
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                bodyRequested.set(true);
                bytes.subscribe(subscriber);
            }
        };
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/blobs/" + keyOf(huge))).expectContinue(true).PUT(watched));
        assertEquals(413, r.statusCode());
        assertFalse(bodyRequested.get(), "the client never had to send the body");
        JsonNode j = json(r);
        assertEquals("too-large", j.get("error").asText());
        assertEquals(LIMIT, j.get("maxBlobBytes").asLong());
        assertTrue(j.get("message").asText().contains("blob of " + huge.length + " bytes is over this server's limit"), j.toString());
    }

    @Test
    void oversizeChunkedUploadIs413() throws Exception {
        // No Content-Length (a streamed body): the server counts while reading and stops past the limit.
        byte[] over = blob("chunked-over", (int) LIMIT + 10);
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/blobs/" + keyOf(over)))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(over))));
        assertEquals(413, r.statusCode());
        assertEquals("too-large", json(r).get("error").asText());
        assertFalse(disk.has(keyOf(over)));
        byte[] fits = blob("chunked-fits", 1234);
        HttpResponse<byte[]> ok = send(HttpRequest.newBuilder(uri("/blobs/" + keyOf(fits)))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(fits))));
        assertEquals(201, ok.statusCode());
        assertArrayEquals(fits, disk.get(keyOf(fits)));
    }

    @Test
    void serverCopyCorruptIsCorruptForTheClient() throws Exception {
        byte[] b = blob("server-corrupt", 1000);
        String key = disk.put(b);
        disk.corrupt(key, blob("garbage", 10));
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/blobs/" + key)).GET());
        assertEquals(500, r.statusCode());
        assertEquals("corrupt", json(r).get("error").asText());
        assertEquals(keyOf(blob("garbage", 10)), json(r).get("actual").asText());
    }

    /** A server that serves whatever bytes it likes: the client must notice, whatever the server checked. */
    @Test
    void clientVerifiesWhatALyingServerServes() throws Exception {
        byte[] real = blob("real", 2000);
        byte[] fake = blob("fake", 2000);
        BlobStore liar = new BlobStore() {
            @Override
            public String put(byte[] bytes) {
                return keyOf(bytes);
            }

            @Override
            public byte[] get(String key) {
                return fake; // unverified, for any key
            }

            @Override
            public boolean has(String key) {
                return true;
            }
        };
        try (HttpBlobServer bad = HttpBlobServer.start(liar, HttpBlobServer.Config.loopback());
             HttpBlobStore client = new HttpBlobStore(bad.uri())) {
            String key = keyOf(real);
            BlobStore.CorruptBlobException e = assertThrows(BlobStore.CorruptBlobException.class, () -> client.get(key));
            assertTrue(e.getMessage().contains(key), e.getMessage());
            assertTrue(e.getMessage().contains(keyOf(fake)), e.getMessage());
            assertTrue(e.getMessage().contains(bad.uri().toString()), "names the server: " + e.getMessage());
        }
    }

    @Test
    void clientCutsOffAServerThatSendsMoreThanItsLimit() throws Exception {
        byte[] big = blob("big-for-client", 5000);
        String key = disk.put(big);
        try (HttpBlobStore client = new HttpBlobStore(new HttpBlobStore.Config(server.uri(), Duration.ofSeconds(10), 4096))) {
            IOException e = assertThrows(IOException.class, () -> client.get(key));
            assertTrue(e.getMessage().contains("announces 5000 bytes, more than this client's blob limit of 4096"), e.getMessage());
        }
    }

    @Test
    void connectionRefusedNamesTheUrl() throws Exception {
        HttpBlobServer gone = HttpBlobServer.start(disk, HttpBlobServer.Config.loopback());
        URI base = gone.uri();
        gone.close(); // nothing listens on that port any more
        try (HttpBlobStore client = new HttpBlobStore(new HttpBlobStore.Config(base, Duration.ofSeconds(5), 1000))) {
            String key = keyOf(blob("refused", 10));
            IOException e = assertThrows(IOException.class, () -> client.get(key));
            assertFalse(e instanceof BlobStore.MissingBlobException, "unreachable is not 'missing'");
            assertTrue(e.getMessage().contains(base + "/blobs/" + key), e.getMessage());
            IOException p = assertThrows(IOException.class, () -> client.put(blob("refused", 10)));
            assertTrue(p.getMessage().contains(base.toString()), p.getMessage());
        }
    }

    @Test
    void silentServerTimesOutNamingTheUrl() throws Exception {
        // Accepts connections and never answers.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            URI base = URI.create("http://127.0.0.1:" + silent.getLocalPort());
            try (HttpBlobStore client = new HttpBlobStore(new HttpBlobStore.Config(base, Duration.ofMillis(500), 1000))) {
                String key = keyOf(blob("silent", 10));
                IOException e = assertThrows(IOException.class, () -> client.get(key));
                assertTrue(e.getMessage().contains(base + "/blobs/" + key), e.getMessage());
                assertTrue(e.getMessage().contains("within 500 ms"), e.getMessage());
            } finally {
                silent.close();
                acceptor.join();
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    @Test
    void configsRefuseNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new HttpBlobServer.Config("", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new HttpBlobServer.Config("127.0.0.1", 70000, 1));
        assertThrows(IllegalArgumentException.class, () -> new HttpBlobServer.Config("127.0.0.1", 0, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HttpBlobStore(URI.create("ftp://127.0.0.1:1")));
        assertTrue(e.getMessage().contains("ftp://127.0.0.1:1"), e.getMessage());
        assertEquals("http://127.0.0.1:5", HttpBlobStore.Config.of(URI.create("http://127.0.0.1:5/")).baseUri().toString());
    }
}

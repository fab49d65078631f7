package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.merkle.Sha256;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class BlobCommandTest {
    @Test
    void putThenGetThroughALocalDirectory(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ckpt.bin");
        byte[] bytes = "checkpoint 7 of task 42".getBytes(StandardCharsets.UTF_8);
        Files.write(file, bytes);
        Path store = dir.resolve("store");

        TrainCommandTest.Result put = TrainCommandTest.run("blob", "put", file.toString(), "--store", store.toString());
        assertEquals(0, put.code(), put.err());
        String key = put.out().strip();
        assertEquals(Sha256.hex(Sha256.hash(bytes)), key);
        assertTrue(Files.exists(store.resolve(key.substring(0, 2)).resolve(key)), "stored as dir/ab/abcd...");

        Path out = dir.resolve("copy.bin");
        TrainCommandTest.Result get = TrainCommandTest.run("blob", "get", key, "--store", "file:" + store, "--out", out.toString());
        assertEquals(0, get.code(), get.err());
        assertArrayEquals(bytes, Files.readAllBytes(out));
    }

    @Test
    void missingCorruptAndBadInputAreOneLine(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("store");
        String absent = Sha256.hex(Sha256.hash(new byte[] {1}));
        TrainCommandTest.Result miss = TrainCommandTest.run("blob", "get", absent, "--store", store.toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, miss.code());
        assertTrue(miss.err().startsWith("verity: blob " + absent + " is not in the store"), miss.err());
        assertFalse(Files.exists(dir.resolve("o")), "nothing written for a missing blob");

        Path f = dir.resolve("f");
        Files.write(f, new byte[] {1, 2, 3});
        String key = TrainCommandTest.run("blob", "put", f.toString(), "--store", store.toString()).out().strip();
        Files.write(store.resolve(key.substring(0, 2)).resolve(key), new byte[] {9, 9, 9});
        TrainCommandTest.Result corrupt = TrainCommandTest.run("blob", "get", key, "--store", store.toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, corrupt.code());
        assertTrue(corrupt.err().contains("blob " + key + " is corrupt"), corrupt.err());
        assertFalse(Files.exists(dir.resolve("o")), "nothing written for a corrupt blob");

        TrainCommandTest.Result badKey = TrainCommandTest.run("blob", "get", "xyz", "--store", store.toString(), "--out", dir.resolve("o").toString());
        assertTrue(badKey.code() != 0 && badKey.err().contains("64 lowercase hex digits"), badKey.err());
        TrainCommandTest.Result badStore = TrainCommandTest.run("blob", "put", f.toString(), "--store", "ftp://x");
        assertTrue(badStore.code() != 0 && badStore.err().contains("unknown blob store scheme 'ftp:'"), badStore.err());
    }

    /** {@code verity blob serve} as its own OS process, the way a local network runs it. */
    @Test
    void serveAsAProcessThenPutAndGetOverHttp(@TempDir Path dir) throws Exception {
        Path portFile = dir.resolve("port");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), VerityCli.class.getName(),
                "blob", "serve", "--dir", dir.resolve("served").toString(), "--port-file", portFile.toString());
        Path stderr = dir.resolve("serve.err");
        Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = lines.readLine(); // blocks until the server prints its address (or the process dies)
            assertTrue(first != null && first.startsWith("blob server listening on http://127.0.0.1:"),
                    first + " / stderr: " + Files.readString(stderr));
            String url = first.substring("blob server listening on ".length());
            assertEquals(url, "http://127.0.0.1:" + Files.readString(portFile).strip(), "the port file is written before the line");

            Path file = dir.resolve("dataset.bin");
            byte[] bytes = new byte[300_000];
            new java.util.SplittableRandom(5).nextBytes(bytes);
            Files.write(file, bytes);
            TrainCommandTest.Result put = TrainCommandTest.run("blob", "put", file.toString(), "--store", url);
            assertEquals(0, put.code(), put.err());
            String key = put.out().strip();
            assertEquals(Sha256.hex(Sha256.hash(bytes)), key);
            assertTrue(Files.exists(dir.resolve("served").resolve(key.substring(0, 2)).resolve(key)));

            Path out = dir.resolve("fetched.bin");
            Path cache = dir.resolve("cache");
            TrainCommandTest.Result get = TrainCommandTest.run("blob", "get", key, "--store", url + "?cache=" + cache, "--out", out.toString());
            assertEquals(0, get.code(), get.err());
            assertArrayEquals(bytes, Files.readAllBytes(out));
            assertTrue(Files.exists(cache.resolve(key.substring(0, 2)).resolve(key)), "read-through cache filled");
        } finally {
            // Killed by its own PID: SIGTERM first (the shutdown hook frees the port), then SIGKILL.
            ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
                p.waitFor(20, TimeUnit.SECONDS);
            }
        }
        assertFalse(p.isAlive());
    }
}

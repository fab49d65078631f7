package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.verity.chain.EmbeddedChain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verity demo --explorer} as a user runs it, in its own JVM: after the story it prints the
 * explorer's address and keeps serving; SIGTERM stops it (explorer, chain, JVM) within a bounded time.
 */
class DemoExplorerTest {
    @TempDir
    Path dir;

    @Test
    void servesTheExplorerAfterTheStoryUntilSigterm() throws Exception {
        assumeTrue(EmbeddedChain.isSupported(), EmbeddedChain.unsupportedReason());
        List<String> cmd = new ArrayList<>(LocalnetCommand.launcher());
        cmd.addAll(List.of("demo", "--explorer", "--port", "0", "--quiet", "--keep", dir.resolve("work").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String url = explorerUrl(p);
            assertNotNull(url, "the demo never printed the explorer's address");
            HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "api/network")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, status.statusCode(), status.body());
            assertTrue(status.body().contains("\"tasks\":3"), status.body());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the demo did not stop on SIGTERM");
            assertEquals(143, p.exitValue(), "stopped by SIGTERM (128 + 15)");
            assertTrue(Files.exists(dir.resolve("work").resolve("explorer.db")), "the explorer's index lives in the demo's work dir");
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            assertFalse(p.isAlive());
        }
    }

    /** Reads the demo's output (bounded: 10 minutes) until the explorer's address; null if the process ends first. */
    private static String explorerUrl(Process p) throws Exception {
        Pattern line = Pattern.compile("^explorer: (http://127\\.0\\.0\\.1:\\d+/) ");
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Thread drain = null;
        for (String l; System.nanoTime() < until && (l = r.readLine()) != null; ) {
            Matcher m = line.matcher(l);
            if (m.find()) {
                // keep reading the rest so the child never blocks on a full pipe
                drain = new Thread(() -> r.lines().forEach(x -> { }), "demo-output");
                drain.setDaemon(true);
                drain.start();
                return m.group(1);
            }
        }
        return null;
    }
}

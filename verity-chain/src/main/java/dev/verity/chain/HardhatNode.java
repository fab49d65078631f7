package dev.verity.chain;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real Hardhat 2 node (JSON-RPC integration tests and {@code verity localnet}): {@code hardhat node}
 * from verity-chain/node_modules on a free 127.0.0.1 port. Waits (bounded) until it answers eth_chainId; {@link #close} kills it and
 * its child processes by PID, and a shutdown hook does the same if the JVM exits first.
 *
 * <p>If Hardhat is not installed, {@link #start} throws {@link NotInstalledException} saying how to
 * install it (CI installs it with setup-node-packages.sh).
 */
public final class HardhatNode implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final Thread hook;
    public final String url;
    public final Path log;

    /** Thrown by {@link #start} when verity-chain's Node packages are not installed. */
    public static final class NotInstalledException extends IllegalStateException {
        public NotInstalledException(String message) {
            super(message);
        }
    }

    /**
     * verity-chain's directory (where package.json and node_modules are): the system property
     * verity.chain.dir, else verity.home/verity-chain (set by the ./verity launcher), else the working
     * directory or its verity-chain child.
     */
    public static Path chainDir() {
        String d = System.getProperty("verity.chain.dir");
        String home = System.getProperty("verity.home");
        Path p = d != null ? Path.of(d) : home != null ? Path.of(home, "verity-chain") : Path.of("").toAbsolutePath();
        if (!Files.exists(p.resolve("package.json")) && Files.exists(p.resolve("verity-chain/package.json"))) p = p.resolve("verity-chain");
        return p;
    }

    /** Starts a node; {@link NotInstalledException} when Hardhat is absent. */
    public static HardhatNode start() throws IOException, InterruptedException {
        Path dir = chainDir();
        Path bin = dir.resolve("node_modules/hardhat/internal/cli/bootstrap.js");
        if (!Files.exists(bin)) {
            throw new NotInstalledException("Hardhat is not installed in " + dir + "/node_modules: run verity-chain/setup-node-packages.sh");
        }
        return new HardhatNode(dir, bin);
    }

    private HardhatNode(Path dir, Path bin) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        this.url = "http://127.0.0.1:" + port;
        Files.createDirectories(dir.resolve("target"));
        this.log = dir.resolve("target/hardhat-node-" + port + ".log");
        ProcessBuilder pb = new ProcessBuilder("node", bin.toString(), "node", "--hostname", "127.0.0.1", "--port", Integer.toString(port));
        pb.directory(dir.toFile());
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        pb.environment().put("HARDHAT_DISABLE_TELEMETRY_PROMPT", "true");
        this.process = pb.start();
        this.hook = new Thread(this::kill, "hardhat-node-killer");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            waitReady();
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void waitReady() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}")).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("hardhat node exited with " + process.exitValue() + ":\n" + Files.readString(log));
            try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("result")) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("hardhat node not ready after " + START_TIMEOUT + ":\n" + Files.readString(log));
    }

    public long pid() {
        return process.pid();
    }

    private void kill() {
        // Only this node's process tree, by PID.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // JVM already shutting down: the hook runs anyway
        }
    }
}

package dev.verity.node.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The localnet's process supervisor, apart from the story it runs: starts {@code verity} processes
 * (a node with its config file, the blob server) through a launcher command, records every PID it
 * started (and those of processes started elsewhere it is told to watch, such as the Hardhat node),
 * pumps each process's JSON log to its {@code node.log} and narrates its events, reads each node's
 * status API, and stops, kills and at the end reaps by PID every process it started.
 *
 * <p>A process's stdout goes to {@code DIR/node.log} (and, an event at a time, to the narration:
 * {@code tick-failed} and {@code join-failed} as {@code "  ! message"}, the rest but the quiet
 * events as their message); its stderr to {@code DIR/stderr.log}.
 */
final class NodeProcesses {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> QUIET_EVENTS = Set.of("started", "joined", "stopping", "stopped", "training-progress");

    private final List<String> launcher;
    private final boolean quiet;
    private final Consumer<String> narrate;
    private final List<Proc> supervised = new CopyOnWriteArrayList<>();
    private final List<Long> pids = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param launcher the command that runs the {@code verity} CLI in a new JVM (java, its options, -cp, main class)
     * @param quiet    leave the nodes' training-progress events out of the narration
     * @param narrate  where the processes' events are told, a line at a time
     */
    NodeProcesses(List<String> launcher, boolean quiet, Consumer<String> narrate) {
        this.launcher = List.copyOf(launcher);
        this.quiet = quiet;
        this.narrate = narrate;
    }

    /** A process of {@code verity} with these arguments, not yet started; its logs go to {@code dir}. */
    Proc process(String name, String label, List<String> args, Path dir, Path portFile) {
        return new Proc(name, label, args, dir, portFile);
    }

    /** A node process ({@code verity node --role R --config F}) of a config already written to {@code dir/node.json}. */
    Proc node(String name, Path dir, NodeConfig config, String account) {
        Proc p = process(name, config.name(), List.of("node", "--role", config.role(), "--config", dir.resolve("node.json").toString()), dir,
                dir.resolve("status.port"));
        p.account = account;
        return p;
    }

    /** Starts {@code p} and supervises it from now on (it is stopped with the others, in reverse order of launch). */
    void launch(Proc p) throws IOException {
        p.start();
        supervised.add(p);
    }

    /** Records the PID of a process started elsewhere (it is checked for at the end, not stopped here). */
    void adopt(long pid) {
        pids.add(pid);
    }

    /** Every PID recorded, in the order the processes started (a restarted process has one per start). */
    List<Long> pids() {
        return pids;
    }

    /** The processes launched, in order. */
    List<Proc> supervised() {
        return supervised;
    }

    /** The recorded PIDs whose process is still alive. */
    List<Long> stillAlive() {
        List<Long> alive = new ArrayList<>();
        for (long pid : pids) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                alive.add(pid);
            }
        }
        return alive;
    }

    /** Fails if a supervised process that should run has exited, with the tail of its stderr. */
    void checkNoneDied() {
        for (Proc c : supervised) {
            if (!c.alive() && !c.expectedDown) {
                throw new IllegalStateException(c.label + " (pid " + c.pid() + ") exited with " + c.process.exitValue() + "; see "
                        + c.dir.resolve("stderr.log") + ":\n" + tail(c.dir.resolve("stderr.log")));
            }
        }
    }

    /** Fails if one of {@code watched} has exited while waiting for {@code what}. */
    static void checkAlive(String what, Proc... watched) {
        for (Proc c : watched) {
            if (!c.alive()) {
                throw new IllegalStateException(c.label + " exited with " + c.process.exitValue() + " while waiting for " + what + ":\n"
                        + tail(c.dir.resolve("stderr.log")));
            }
        }
    }

    /** Stops every supervised process (SIGTERM, then SIGKILL), the last launched first. */
    void stopAll() throws InterruptedException {
        List<Proc> cs = new ArrayList<>(supervised);
        Collections.reverse(cs);
        for (Proc c : cs) {
            c.stop();
        }
    }

    /** Kills, by PID, every supervised process still alive: SIGTERM to all, then SIGKILL to those not gone in 10 s. Idempotent. */
    void killAll() {
        for (Proc c : supervised) {
            Process p = c.process;
            if (p != null && p.isAlive()) {
                p.destroy();
            }
        }
        for (Proc c : supervised) {
            Process p = c.process;
            try {
                if (p != null && !p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }

    /** "label pid N, ..." of these processes. */
    static String describe(List<Proc> cs) {
        List<String> s = new ArrayList<>();
        for (Proc c : cs) {
            s.add(c.label + " pid " + c.pid());
        }
        return String.join(", ", s);
    }

    /** The last 15 lines of a log. */
    static String tail(Path f) {
        try {
            List<String> lines = Files.readAllLines(f);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no " + f + ")";
        }
    }

    /** A supervised process: its command, directory and log, restartable. */
    final class Proc {
        final String name;
        final String label;
        final List<String> args;
        final Path dir;
        final Path portFile;
        String account;
        final List<JsonNode> events = new CopyOnWriteArrayList<>();
        volatile Process process;
        /** Set when the story takes it down for good: the supervisor no longer expects it to run. */
        volatile boolean expectedDown;
        private Thread pump;

        private Proc(String name, String label, List<String> args, Path dir, Path portFile) {
            this.name = name;
            this.label = label;
            this.args = args;
            this.dir = dir;
            this.portFile = portFile;
        }

        /** Starts (or restarts) the process and records its PID. */
        void start() throws IOException {
            Files.deleteIfExists(portFile);
            List<String> cmd = new ArrayList<>(launcher);
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.log").toFile()));
            Process p = pb.start();
            process = p;
            pids.add(p.pid());
            expectedDown = false;
            Path log = dir.resolve("node.log");
            pump = new Thread(() -> pump(p, log), "localnet-log-" + name);
            pump.setDaemon(true);
            pump.start();
        }

        private void pump(Process p, Path log) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                String line;
                while ((line = r.readLine()) != null) {
                    w.write(line);
                    w.write('\n');
                    w.flush();
                    event(line);
                }
            } catch (IOException e) {
                // the process ended; its stdout is closed
            }
        }

        /** Records and narrates one line of the log if it is an event. */
        private void event(String line) {
            JsonNode e;
            try {
                e = JSON.readTree(line);
            } catch (IOException notJson) {
                return; // e.g. the blob server's first line
            }
            if (e == null || !e.has("event")) {
                return;
            }
            events.add(e);
            String ev = e.path("event").asText();
            if (ev.equals("tick-failed") || ev.equals("join-failed")) {
                narrate.accept("  ! " + e.path("message").asText());
            } else if (!QUIET_EVENTS.contains(ev) || (ev.equals("training-progress") && !quiet)) {
                narrate.accept(e.path("message").asText());
            }
        }

        boolean alive() {
            Process p = process;
            return p != null && p.isAlive();
        }

        long pid() {
            return process.pid();
        }

        int port() throws IOException {
            return Integer.parseInt(Files.readString(portFile).strip());
        }

        /** SIGTERM, then SIGKILL if it has not exited in time. */
        void stop() throws InterruptedException {
            Process p = process;
            if (p == null || !p.isAlive()) {
                return;
            }
            // Signals through the ProcessHandle: Process.destroy() would also close our end of the
            // node's stdout, losing what it logs while it stops.
            p.toHandle().destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.toHandle().destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            join();
        }

        /** SIGKILL on Linux: no shutdown hook, no last word. */
        void kill() throws InterruptedException {
            Process p = process;
            p.toHandle().destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            join();
        }

        private void join() throws InterruptedException {
            if (pump != null) {
                pump.join(5000);
            }
        }

        /** Whether its log has had {@code event} for {@code taskId}. */
        boolean saw(String event, long taskId) {
            for (JsonNode e : events) {
                if (e.path("event").asText().equals(event) && e.path("taskId").asLong(-1) == taskId) {
                    return true;
                }
            }
            return false;
        }

        /** Its status API's {@code /status}, or null while it does not answer. */
        JsonNode status() {
            try {
                if (!Files.exists(portFile) || !alive()) {
                    return null;
                }
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/status")).timeout(Duration.ofSeconds(3)).GET().build();
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
            } catch (IOException | RuntimeException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        /** Whether its status says it has joined (approved, staked, registered). */
        boolean joined() {
            JsonNode st = status();
            return st != null && st.path("joined").asBoolean();
        }
    }
}

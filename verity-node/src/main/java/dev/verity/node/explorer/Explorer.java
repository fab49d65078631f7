package dev.verity.node.explorer;

import dev.verity.chain.Verity;
import dev.verity.proof.store.BlobStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Verity explorer: an {@link Indexer} that follows the contracts' events into an embedded SQLite
 * index on a background thread, and a web server that shows the network, tasks, disputes, the zoo
 * and accounts as pages and as JSON (docs/explorer.md). Every number it shows is read from the chain
 * (events, or the contracts' state) or from a blob checked against a hash the chain holds.
 */
public final class Explorer implements AutoCloseable {
    /**
     * @param host               address to listen on (127.0.0.1 for this machine only)
     * @param port               port (0: any free port)
     * @param database           the SQLite file of the index (created if missing; resumed if present)
     * @param window             blocks per log request
     * @param poll               how often the indexer asks for new blocks
     * @param maxReplayWorkUnits the largest task (work units) whose loss curve the explorer replays
     */
    public record Settings(String host, int port, Path database, long window, Duration poll, long maxReplayWorkUnits) {
        public Settings {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("explorer: a host to listen on is required (e.g. 127.0.0.1)");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("explorer: --port must be in [0, 65535] (0: any free port), got " + port);
            }
            if (database == null) {
                throw new IllegalArgumentException("explorer: the index database file is required");
            }
            if (window < 1) {
                throw new IllegalArgumentException("explorer: the indexer's window must be at least 1 block, got " + window);
            }
            if (poll == null || poll.isNegative() || poll.isZero()) {
                throw new IllegalArgumentException("explorer: the poll interval must be positive");
            }
            if (maxReplayWorkUnits < 0) {
                throw new IllegalArgumentException("explorer: the replay limit must be >= 0 work units, got " + maxReplayWorkUnits);
            }
        }

        /** 127.0.0.1, the given port and database, 2,000-block windows, a poll a second, replays up to 10^7 work units. */
        public static Settings local(int port, Path database) {
            return new Settings("127.0.0.1", port, database, 2_000, Duration.ofSeconds(1), 10_000_000L);
        }

        public Settings withPoll(Duration p) {
            return new Settings(host, port, database, window, p, maxReplayWorkUnits);
        }

        public Settings withWindow(long w) {
            return new Settings(host, port, database, w, poll, maxReplayWorkUnits);
        }
    }

    private final Settings options;
    private final ExplorerDb db;
    private final Indexer indexer;
    private final LossCurves losses;
    private final ExplorerServer server;
    private final Thread loop;
    private final Object pollLock = new Object();
    private volatile boolean running = true;
    private volatile String lastError;
    private volatile long head = -1;

    private Explorer(Verity v, BlobStore store, Settings o) throws IOException {
        this.options = o;
        this.db = new ExplorerDb(o.database());
        try {
            this.indexer = new Indexer(v, db, o.window());
            this.losses = new LossCurves(v, db, store, o.maxReplayWorkUnits());
            this.server = new ExplorerServer(o.host(), o.port(), new ExplorerData(v, db, store, indexer, losses), this::status);
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
        this.loop = new Thread(this::run, "verity-explorer-indexer");
        loop.setDaemon(true);
    }

    /** Opens (or resumes) the index, starts the web server and the indexer thread. */
    public static Explorer start(Verity v, BlobStore store, Settings o) throws IOException {
        Explorer e = new Explorer(v, store, o);
        e.loop.start();
        return e;
    }

    public int port() {
        return server.port();
    }

    /** The explorer's address, e.g. http://127.0.0.1:8080/ . */
    public String url() {
        return "http://" + options.host() + ":" + port() + "/";
    }

    private void run() {
        while (running) {
            try {
                pollNow();
            } catch (RuntimeException e) {
                // the chain is down or restarting: keep serving what is indexed and try again next time
                lastError = ExplorerServer.rootMessage(e);
            }
            try {
                Thread.sleep(options.poll().toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Indexes up to the chain's head now, on the caller's thread; returns the events stored. Throws what the chain throws. */
    public int pollNow() {
        synchronized (pollLock) {
            int n = indexer.poll();
            head = indexer.cursor() - 1;
            lastError = null;
            return n;
        }
    }

    /** Waits until every replay the pages asked for is done (tests, the benchmark). */
    public void awaitReplays() throws InterruptedException {
        losses.awaitIdle();
    }

    /** The indexer's state: the last block indexed, the chain's head as last seen, events, rebuilds, the last chain error. */
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("indexedTo", indexer.cursor() - 1);
        s.put("head", head);
        s.put("events", db.count("SELECT COUNT(*) FROM events"));
        s.put("tasks", db.count("SELECT COUNT(*) FROM tasks"));
        s.put("rebuilds", indexer.rebuilds());
        s.put("lastRebuildReason", indexer.lastRebuildReason());
        s.put("error", lastError);
        return s;
    }

    /**
     * Blocks the calling thread until the JVM is asked to stop (Ctrl-C, SIGTERM), then runs {@code stop}
     * from a shutdown hook: the hook is the one place that still runs on a signal, so everything the
     * command started (the explorer, a chain, child processes, a temp dir) is stopped there, by the caller.
     */
    public static void holdUntilStopped(Runnable stop) throws InterruptedException {
        Thread hook = new Thread(stop, "verity-explorer-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        new java.util.concurrent.CountDownLatch(1).await();
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        loop.interrupt();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        losses.close();
        synchronized (pollLock) {
            db.close();
        }
    }
}

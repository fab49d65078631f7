package dev.verity.cli;

import dev.verity.node.explorer.Explorer;
import dev.verity.node.explorer.ExplorerBench;
import dev.verity.proof.store.BlobStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code verity explorer}: a web explorer (pages and JSON API) of a Verity network, over an index of its contracts' events. */
@Command(name = "explorer", mixinStandardHelpOptions = true,
        description = "Serve a web explorer of a Verity network: the network, tasks, disputes round by round, the model zoo, accounts; "
                + "the same facts as JSON under /api/ (docs/explorer.md). Ctrl-C or SIGTERM stops it.",
        subcommands = {ExplorerCommand.Bench.class})
final class ExplorerCommand implements Callable<Integer> {
    @Mixin
    NetworkOptions net;

    @Option(names = "--port", defaultValue = "8080", description = "port to serve on, on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: any free port)")
    int port;

    @Option(names = "--index", paramLabel = "FILE", description = "the SQLite index (default: ~/.verity/explorer/<chain id>-<market>.db); "
            + "resumed where it stopped, rebuilt when it is of another chain")
    Path index;

    @Option(names = "--window", defaultValue = "2000", description = "blocks per log request (default ${DEFAULT-VALUE})")
    long window;

    @Override
    public Integer call() throws Exception {
        NetworkOptions.Connection c = net.connect();
        Explorer e;
        try {
            BlobStore store = net.openStore();
            Path db = index != null ? index : Path.of(System.getProperty("user.home"), ".verity", "explorer",
                    c.verity().chain.chainId() + "-" + c.verity().market + ".db");
            e = Explorer.start(c.verity(), store, Explorer.Settings.local(port, db).withWindow(window));
        } catch (RuntimeException | java.io.IOException ex) {
            c.close();
            throw ex;
        }
        System.out.println("explorer: " + e.url() + " (network at " + net.rpc + "; index " + (index != null ? index : "under ~/.verity/explorer")
                + "); Ctrl-C or SIGTERM stops it");
        System.out.flush();
        Explorer.holdUntilStopped(() -> {
            e.close();
            c.close();
        });
        return 0;
    }

    /** {@code verity explorer bench}: every page's response time with many tasks indexed. */
    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Build a network on the embedded EVM with N settled tasks (and one dispute), index it, and time every page and its "
                    + "JSON twin (median and worst of R requests each). A benchmark, not a test: it prints figures.")
    static final class Bench implements Callable<Integer> {
        @Option(names = "--tasks", defaultValue = "1000", description = "tasks to settle before timing (default ${DEFAULT-VALUE})")
        int tasks;

        @Option(names = "--requests", defaultValue = "20", description = "requests per page (default ${DEFAULT-VALUE})")
        int requests;

        @Override
        public Integer call() throws Exception {
            return ExplorerBench.run(tasks, requests, System.out);
        }
    }
}

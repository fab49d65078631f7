package dev.verity.cli;

import dev.verity.node.Demo;
import dev.verity.node.LocalNet;
import dev.verity.node.explorer.Explorer;
import dev.verity.testkit.proof.ProofCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verity demo}: a whole Verity network in one JVM, an honest task and a cheater caught on chain. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "One network in one JVM: submitter, solvers, verifiers on the embedded EVM; an honest task settles into the zoo, "
                + "a cheater is challenged down to one floating-point operation and slashed.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--keep", description = "keep the blob store and local node stores in this directory (default: a temp dir, deleted)")
    Path keep;

    @Option(names = "--quiet", description = "no progress bars")
    boolean quiet;

    @Option(names = "--explorer", description = "after the story, keep the network running and serve the explorer on it until Ctrl-C or SIGTERM")
    boolean explorer;

    @Option(names = "--port", defaultValue = "8080", description = "the explorer's port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: any free port)")
    int port;

    @Override
    public Integer call() throws Exception {
        Path work = keep != null ? Files.createDirectories(keep) : Files.createTempDirectory("verity-demo");
        ProgressBar[] bar = new ProgressBar[1];
        try {
            return Demo.run(System.out, work, (task, step, steps) -> {
                if (quiet) {
                    return;
                }
                if (bar[0] == null) {
                    bar[0] = ProgressBars.steps("task " + task, steps, 100).build();
                }
                bar[0].stepTo(step);
                if (step >= steps) {
                    bar[0].close();
                    bar[0] = null;
                }
            }, explorer ? net -> serve(net, work) : null);
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
            if (keep == null) {
                ProofCheck.delete(work);
            }
        }
    }

    /** Serves the explorer on the demo's network until the JVM is asked to stop; the stop hook closes it all and removes a temp dir. */
    private void serve(LocalNet net, Path work) throws Exception {
        Explorer e = Explorer.start(net.verity, net.store, Explorer.Settings.local(port, work.resolve("explorer.db")));
        System.out.println();
        System.out.println("explorer: " + e.url() + " (the demo's network keeps running; Ctrl-C or SIGTERM stops everything)");
        System.out.flush();
        Explorer.holdUntilStopped(() -> {
            e.close();
            net.close();
            if (keep == null) {
                try {
                    ProofCheck.delete(work);
                } catch (java.io.IOException | RuntimeException gone) {
                    // stopping anyway; a temp dir left behind is the OS's to clear
                }
            }
        });
    }
}

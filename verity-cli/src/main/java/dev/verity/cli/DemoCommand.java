package dev.verity.cli;

import dev.verity.node.Demo;
import dev.verity.proof.cheat.ProofCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
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
                    bar[0] = new ProgressBarBuilder().setTaskName("task " + task).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                            .setUpdateIntervalMillis(100).setUnit(" steps", 1).continuousUpdate().build();
                }
                bar[0].stepTo(step);
                if (step >= steps) {
                    bar[0].close();
                    bar[0] = null;
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
            if (keep == null) {
                ProofCheck.delete(work);
            }
        }
    }
}

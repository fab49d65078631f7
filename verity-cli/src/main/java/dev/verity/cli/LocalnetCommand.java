package dev.verity.cli;

import dev.verity.node.daemon.ProcessLocalnet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verity localnet}: the demo's story with every role its own OS process on a real Hardhat node. */
@Command(name = "localnet", mixinStandardHelpOptions = true,
        description = "One network, every role its own process on 127.0.0.1: a Hardhat node, a blob server and one 'verity node' per role. "
                + "An honest task settles into the zoo; a cheater is challenged on chain and slashed. Needs Node.js and "
                + "verity-chain/setup-node-packages.sh.")
final class LocalnetCommand implements Callable<Integer> {
    @Option(names = "--keep", paramLabel = "DIR", description = "keep configs, keys, logs and blobs in this directory (default: a temp dir, deleted)")
    Path keep;

    @Option(names = "--quiet", description = "no training progress lines")
    boolean quiet;

    @Option(names = "--faults", description = "also kill a verifier, SIGKILL the solver mid-training and restart it, restart the submitter mid-task")
    boolean faults;

    @Option(names = "--explorer", description = "after the story, keep the network running and serve the explorer on it until Ctrl-C or SIGTERM")
    boolean explorer;

    @Option(names = "--port", defaultValue = "8080", description = "the explorer's port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: any free port)")
    int port;

    @Option(names = "--task", paramLabel = "SPEC", description = "run your own task (from `verity task spec`) as the market's task, "
            + "instead of the demo's two; with --task-store, and --explorer to fetch the model with `verity zoo get` afterwards")
    Path task;

    @Option(names = "--task-store", paramLabel = "DIR", description = "the local blob store `verity task spec --store DIR` published "
            + "your model and data to; copied to the network's blob server")
    Path taskStore;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS", description = "give up after this long (default ${DEFAULT-VALUE})")
    long timeout;

    @Override
    public Integer call() throws Exception {
        if (timeout < 1) {
            throw new IllegalArgumentException("--timeout must be at least 1 second");
        }
        if ((task == null) != (taskStore == null)) {
            throw new IllegalArgumentException("--task and --task-store go together (verity task spec --store DIR writes both)");
        }
        if (task != null && (!Files.isRegularFile(task) || !Files.isDirectory(taskStore))) {
            throw new IllegalArgumentException(!Files.isRegularFile(task) ? "--task: no such spec file: " + task
                    : "--task-store: no such directory: " + taskStore);
        }
        Path work = keep != null ? Files.createDirectories(keep) : Files.createTempDirectory("verity-localnet");
        // a temp dir goes with the processes, in the same cleanup (so also on Ctrl-C)
        return ProcessLocalnet.run(new ProcessLocalnet.Options(work, launcher(), quiet, faults, Duration.ofSeconds(timeout), keep == null,
                explorer ? port : -1, task, taskStore), System.out)
                .exitCode();
    }

    /** This JVM's binary and classpath running the verity CLI: every node runs exactly this build. */
    static List<String> launcher() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:+UseSerialGC");
        // As the launcher script: keeps the Vector API kernels inlined (see ./verity).
        cmd.add("-XX:MaxInlineLevel=40");
        cmd.add("-Xmx768m");
        for (String p : List.of("verity.home", "verity.chain.dir")) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(VerityCli.class.getName());
        return cmd;
    }
}

package dev.verity.cli;

import dev.verity.node.daemon.NodeConfig;
import dev.verity.node.daemon.NodeDaemon;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verity node}: one protocol role as a long-running process. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run one role (solver, verifier, submitter or challenger) as a daemon against a JSON-RPC chain and a blob store, "
                + "with an HTTP status API (GET /status, GET /health) and JSON logs on stdout. Stops cleanly on SIGTERM. "
                + "The config file format is in docs/node.md.")
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--role", description = "solver, verifier, submitter or challenger (must match the config's role if it names one)")
    String role;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the node's config file (JSON)")
    Path config;

    @Override
    public Integer call() throws Exception {
        if (role != null && !NodeConfig.ROLES.contains(role)) {
            throw new IllegalArgumentException("--role must be one of " + NodeConfig.ROLES + ", got '" + role + "'");
        }
        NodeConfig cfg = NodeConfig.read(config);
        if (role != null && !role.equals(cfg.role())) {
            throw new IllegalArgumentException("--role " + role + " but " + config + " configures a " + cfg.role());
        }
        NodeDaemon node = NodeDaemon.open(cfg, System.out);
        // SIGTERM / Ctrl-C: end the loop (a training run stops at its next step, as a crash would;
        // the checkpoints journalled so far let the next start resume), then release the port.
        Thread hook = new Thread(() -> {
            node.stop();
            try {
                node.awaitStopped(20_000);
                node.close();
            } catch (Exception e) {
                // the JVM is going away; nothing left to do
            }
        }, "verity-node-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        node.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            node.close();
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it closes the node
        }
        return 0;
    }
}

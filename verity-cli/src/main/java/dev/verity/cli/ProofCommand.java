package dev.verity.cli;

import dev.verity.testkit.proof.ProofCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verity proof check}: the cheat library, the lying challengers and honest runs. */
@Command(name = "proof", mixinStandardHelpOptions = true, description = "Proof of learning: check it against cheaters.",
        subcommands = {ProofCommand.Check.class})
public final class ProofCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Run every cheat through verification and dispute, every dishonest challenger against an honest "
                    + "solver, and honest runs at 1, 2 and 4 threads; print who was caught where. Runs on a built-in mlp and on "
                    + "an imported ONNX model (a CNN with BatchNorm, on a published, normalised dataset).")
    static final class Check implements Callable<Integer> {
        @Option(names = "--honest-runs", defaultValue = "10", description = "honest runs (seeds), default ${DEFAULT-VALUE}")
        int honest;

        @Option(names = "--models", defaultValue = "builtin,imported", split = ",",
                description = "which tasks: builtin (mlp on Fashion-MNIST), imported (ONNX CNN); default ${DEFAULT-VALUE}")
        List<String> models;

        @Override
        public Integer call() throws Exception {
            if (honest < 0 || honest > 1000) {
                throw new IllegalArgumentException("--honest-runs must be in [0, 1000]");
            }
            Path work = Files.createTempDirectory("verity-proof-check");
            try {
                List<ProofCheck.Row> rows = new java.util.ArrayList<>();
                for (String m : models) {
                    ProofCheck check = switch (m) {
                        case "builtin" -> ProofCheck.small(work.resolve(m));
                        case "imported" -> ProofCheck.imported(work.resolve(m));
                        default -> throw new IllegalArgumentException("--models: unknown '" + m + "' (known: builtin, imported)");
                    };
                    System.out.println("== " + check.title());
                    rows.addAll(check.runAll(System.out, honest));
                }
                long bad = rows.stream().filter(r -> !r.pass()).count();
                System.out.printf("proof check: %d cases on %d task%s, %d failed%n", rows.size(), models.size(),
                        models.size() == 1 ? "" : "s", bad);
                return bad == 0 ? 0 : 1;
            } finally {
                ProofCheck.delete(work);
            }
        }
    }
}

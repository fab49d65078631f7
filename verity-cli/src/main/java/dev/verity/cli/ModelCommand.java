package dev.verity.cli;

import dev.verity.node.blob.BlobStores;
import dev.verity.proof.spec.OnnxModelBlobs;
import dev.verity.proof.store.BlobStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verity model put}: a user's ONNX model into the blob store, for task specs to name. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Publish your own ONNX model for tasks (docs/onnx.md).",
        subcommands = {ModelCommand.Put.class})
public final class ModelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = {"Import an ONNX model (refused here, naming the node, if Verity cannot train it), store it and its "
                    + "initial weights (as safetensors) in the blob store, and print the \"model\" and \"parent\" entries of a task spec."})
    static final class Put implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE.onnx", description = "the model, as torch.onnx.export(..., "
                + "training=TrainingMode.TRAINING, do_constant_folding=False) writes it")
        Path file;

        @Option(names = "--store", required = true, paramLabel = "URI", description = BlobCommand.STORE_HELP)
        String store;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no such file: " + file);
            }
            BlobStore s = BlobStores.open(store);
            try {
                OnnxModelBlobs.Published p = OnnxModelBlobs.put(s, file);
                PrintWriter out = cmd.commandLine().getOut();
                out.printf(Locale.ROOT, "model %s: %s; %,d initial values in %d tensors%n", file.getFileName(), p.model().describe(),
                        p.values(), p.tensors());
                out.println("blob:   " + p.modelBlob());
                out.println("parent: root " + p.parentRoot() + ", blob " + p.parentBlob());
                out.println("spec: \"model\": {\"arch\":\"onnx\",\"blob\":\"" + p.modelBlob() + "\"}, \"parent\": {\"blob\":\""
                        + p.parentBlob() + "\",\"root\":\"" + p.parentRoot() + "\"}");
                out.flush();
            } finally {
                BlobStores.close(s);
            }
            return 0;
        }
    }
}

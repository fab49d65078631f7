package dev.verity.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code verity} command. */
@Command(name = "verity", mixinStandardHelpOptions = true, version = "verity 0.1.0",
        description = "Trustless deep-learning training: bitwise-reproducible training, proofs of learning, on-chain settlement.",
        subcommands = {DemoCommand.class, TrainCommand.class, ExportCommand.class, VerifyCommand.class, DisputeCommand.class, ProofCommand.class, ChainCommand.class, BlobCommand.class, DataCommand.class, ModelCommand.class,
                TaskCommand.class, ZooCommand.class, AccountCommand.class, GovCommand.class,
                NodeCommand.class,
                LocalnetCommand.class, ExplorerCommand.class, EconCommand.class,
                CommandLine.HelpCommand.class})
public final class VerityCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line; bad input is one line on stderr and a non-zero exit, never a stack trace. */
    public static int execute(String... args) {
        return execute(CommandLine.defaultFactory(), args);
    }

    /** As {@link #execute(String...)}, with the factory that builds commands and mixins (tests: a NetworkOptions on the embedded EVM). */
    static int execute(CommandLine.IFactory factory, String... args) {
        CommandLine cl = new CommandLine(new VerityCli(), factory);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("verity: " + ex.getMessage());
            err.println("try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            c.getErr().println("verity: " + message(ex));
            if (Boolean.getBoolean("verity.debug")) {
                ex.printStackTrace(c.getErr());
            }
            return 1;
        });
        return cl.execute(args);
    }

    static String message(Throwable ex) {
        String m = ex.getMessage();
        if (ex instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + m;
        }
        if (m == null || m.isBlank()) {
            m = ex.getClass().getSimpleName();
        }
        if (!(ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                || ex instanceof IllegalStateException)) {
            m = ex.getClass().getSimpleName() + ": " + m;
        }
        return m;
    }
}

package dev.verity.cli;

import dev.verity.node.blob.BlobStores;
import dev.verity.node.blob.HttpBlobServer;
import dev.verity.proof.store.AtomicFiles;
import dev.verity.proof.store.BlobStore;
import dev.verity.proof.store.LocalBlobStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verity blob ...}: the content-addressed store nodes exchange checkpoints, specs and datasets through. */
@Command(name = "blob", mixinStandardHelpOptions = true,
        description = "Blob store: serve a directory over HTTP, put and get blobs by their SHA-256 key.",
        subcommands = {BlobCommand.Serve.class, BlobCommand.Put.class, BlobCommand.Get.class})
public final class BlobCommand implements Runnable {
    static final String STORE_HELP = "blob store: DIR, file:/DIR, http://host:port, "
            + "s3://bucket/prefix?endpoint=URL&region=R&pathStyle=true; remote ones may add cache=DIR";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Serve a directory of blobs over HTTP (GET/HEAD/PUT /blobs/{key}, GET /health) until killed.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "directory holding the blobs (created if absent)")
        Path dir;

        @Option(names = "--host", defaultValue = "127.0.0.1",
                description = "interface to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for every interface)")
        String host;

        @Option(names = "--port", defaultValue = "0", description = "port (default 0: any free port, see --port-file)")
        int port;

        @Option(names = "--port-file", description = "write the bound port to this file once listening")
        Path portFile;

        @Option(names = "--max-blob-bytes", defaultValue = "" + HttpBlobServer.DEFAULT_MAX_BLOB_BYTES,
                description = "largest upload accepted, larger ones get HTTP 413 (default ${DEFAULT-VALUE})")
        long maxBlobBytes;

        @Override
        public Integer call() throws Exception {
            HttpBlobServer.Config config = new HttpBlobServer.Config(host, port, maxBlobBytes);
            HttpBlobServer server = HttpBlobServer.start(new LocalBlobStore(dir), config);
            // Killed (SIGTERM, Ctrl-C): release the port before the JVM goes.
            Thread hook = new Thread(server::close, "verity-blob-server-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                // The server is listening before either signal; the port file goes first and atomically,
                // so whoever sees the line or the file may connect at once and read the file.
                if (portFile != null) {
                    AtomicFiles.write(portFile, (server.port() + "\n").getBytes(StandardCharsets.US_ASCII));
                }
                System.out.println("blob server listening on " + server.uri());
                System.out.flush();
                server.awaitStop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                server.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or has run
                }
            }
            return 0;
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Store a file's bytes; prints their key (SHA-256).")
    static final class Put implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "the file to store")
        Path file;

        @Option(names = "--store", required = true, paramLabel = "URI", description = STORE_HELP)
        String store;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("not a file: " + file);
            }
            byte[] bytes = Files.readAllBytes(file);
            BlobStore s = BlobStores.open(store);
            try {
                System.out.println(s.put(bytes));
            } finally {
                BlobStores.close(s);
            }
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Fetch a blob by key, verify it, write it to a file.")
    static final class Get implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "KEY", description = "the blob's key: 64 lowercase hex digits")
        String key;

        @Option(names = "--store", required = true, paramLabel = "URI", description = STORE_HELP)
        String store;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the blob")
        Path out;

        @Override
        public Integer call() throws Exception {
            BlobStore.checkKey(key);
            BlobStore s = BlobStores.open(store);
            byte[] bytes;
            try {
                bytes = s.get(key); // verified against the key by every store
            } finally {
                BlobStores.close(s);
            }
            AtomicFiles.write(out, bytes);
            System.out.println("wrote " + bytes.length + " bytes to " + out);
            return 0;
        }
    }

}

package dev.verity.cli;

import dev.verity.chain.Chain;
import dev.verity.chain.Deployment;
import dev.verity.chain.RpcChain;
import dev.verity.chain.Verity;
import dev.verity.node.blob.BlobStores;
import dev.verity.proof.store.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.Option;

/**
 * How a command reaches a Verity network: the JSON-RPC node ({@code --rpc}), the contracts on it
 * ({@code --deployment}, the JSON file whoever deployed wrote), the account that signs
 * ({@code --key} or {@code --key-file}; only commands that send transactions need one) and the blob
 * store ({@code --store}). Shared by every command that talks to a network, so the same flags mean
 * the same thing everywhere ({@code verity node} reads the same four from its config).
 */
public final class NetworkOptions {
    /** Opens a chain; the default is JSON-RPC. Tests open the embedded EVM through the same path. */
    @FunctionalInterface
    public interface ChainOpener {
        Chain open(String rpcUrl, List<Credentials> keys);
    }

    static final ChainOpener RPC = RpcChain::new;

    @Option(names = "--rpc", paramLabel = "URL", defaultValue = "http://127.0.0.1:8545",
            description = "JSON-RPC URL of the Ethereum node (default ${DEFAULT-VALUE})")
    String rpc;

    @Option(names = "--deployment", paramLabel = "FILE",
            description = "the deployment JSON (chain id and contract addresses) written by whoever deployed the network")
    Path deployment;

    @Option(names = "--key", paramLabel = "HEX",
            description = "private key of the account that signs (64 hex digits); prefer --key-file, a key on the command line is visible to other users")
    String key;

    @Option(names = "--key-file", paramLabel = "FILE", description = "file holding the private key (64 hex digits)")
    Path keyFile;

    @Option(names = "--store", paramLabel = "URI", description = BlobCommand.STORE_HELP)
    String store;

    private final ChainOpener opener;

    public NetworkOptions() {
        this(RPC);
    }

    /** With another way to open the chain (tests: the embedded EVM). */
    public NetworkOptions(ChainOpener opener) {
        this.opener = opener;
    }

    /** The signing key, or null when neither --key nor --key-file was given. Never echoes the key in errors. */
    Credentials credentials() throws IOException {
        if (key != null && keyFile != null) {
            throw new IllegalArgumentException("give either --key or --key-file, not both");
        }
        if (key != null) {
            return parseKey(key, "--key");
        }
        if (keyFile != null) {
            String text;
            try {
                text = Files.readString(keyFile, StandardCharsets.US_ASCII);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("--key-file: no such file: " + keyFile);
            } catch (java.nio.charset.MalformedInputException e) {
                throw new IllegalArgumentException("--key-file " + keyFile + ": not a hex private key (non-ASCII bytes)");
            }
            return parseKey(text, "--key-file " + keyFile);
        }
        return null;
    }

    /** secp256k1's group order: a private key is in [1, N). */
    private static final BigInteger N = new BigInteger("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);

    static Credentials parseKey(String text, String where) {
        String k = text.strip();
        if (k.startsWith("0x") || k.startsWith("0X")) {
            k = k.substring(2);
        }
        if (!k.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException(where + ": a private key is 32 bytes written as 64 hex digits (0x optional); got "
                    + k.length() + " characters" + (k.matches("[0-9a-fA-F]*") ? "" : " that are not all hex digits"));
        }
        BigInteger d = new BigInteger(k, 16);
        if (d.signum() == 0 || d.compareTo(N) >= 0) {
            throw new IllegalArgumentException(where + ": not a valid secp256k1 private key (must be in [1, n))");
        }
        return Credentials.create(k);
    }

    /** The store from --store; an error naming the flag when it is missing or malformed. */
    BlobStore openStore() throws IOException {
        if (store == null || store.isBlank()) {
            throw new IllegalArgumentException("this command needs the network's blob store: --store URI (" + BlobStores.FORMS + ")");
        }
        try {
            return BlobStores.open(store);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--store: " + e.getMessage(), e);
        }
    }

    /** An open network: the contracts, and the signing account (null when no key was given). */
    public record Connection(Verity verity, String account, Chain chain) implements AutoCloseable {
        /** The signing account; an error saying which flag is missing if there is none. */
        public String sender(String why) {
            if (account == null) {
                throw new IllegalArgumentException(why + " sends a transaction: give the signing account's --key-file FILE (or --key HEX)");
            }
            return account;
        }

        @Override
        public void close() {
            chain.close();
        }
    }

    /** Reads the deployment, opens the chain and binds to the contracts, checking each with a clear error. */
    Connection connect() throws IOException {
        Deployment d = readDeployment();
        Credentials c = credentials();
        URI uri;
        try {
            uri = URI.create(rpc);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--rpc: not a URL: '" + rpc + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("--rpc must be an http(s) URL of a JSON-RPC node, got '" + rpc + "'");
        }
        Chain chain;
        try {
            chain = opener.open(rpc, c == null ? List.of() : List.of(c));
        } catch (UncheckedIOException | IllegalStateException e) {
            throw new IOException("cannot reach the JSON-RPC node at " + rpc + ": " + rootMessage(e), e);
        }
        try {
            // A deployment file outliving its chain (a restarted dev node) points at empty addresses: say so, not a wiring mismatch.
            if (chain.call(d.deployer(), d.market(), dev.verity.chain.Abi.call("params()")).length == 0) {
                throw new IllegalArgumentException("no contract at the market address " + d.market() + " on the chain at " + rpc
                        + " (a stale deployment file, e.g. of a development chain that was restarted?)");
            }
            Verity v = Verity.attach(chain, d);
            String account = c == null ? null : c.getAddress().toLowerCase(Locale.ROOT);
            return new Connection(v, account, chain);
        } catch (IllegalArgumentException e) {
            chain.close();
            throw new IllegalArgumentException("--deployment " + deployment + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        }
    }

    private Deployment readDeployment() throws IOException {
        if (deployment == null) {
            throw new IllegalArgumentException("this command needs the network's contracts: --deployment FILE "
                    + "(the deployment JSON written by whoever deployed, e.g. verity localnet)");
        }
        try {
            return Deployment.read(deployment);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--deployment: no such file: " + deployment);
        } catch (IOException e) {
            throw new IllegalArgumentException("--deployment " + deployment + ": " + e.getMessage(), e);
        }
    }

    /** The innermost cause's message (e.g. "Connection refused"), with its kind when the message is empty. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof ConnectException && (t.getMessage() == null || t.getMessage().isBlank())) {
            return "connection refused";
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}

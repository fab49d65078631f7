package dev.verity.node.daemon;

import dev.verity.proof.run.SolverStrategy;
import dev.verity.proof.run.StrategyLibrary;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.web3j.crypto.Credentials;

/**
 * The configuration of one node ({@code verity node --config FILE}): which role it plays, where the
 * chain and the blob store are, its key, its local home directory, its status API and the role's
 * parameters. Read from JSON; unknown fields are errors (a typo must not silently fall back to a
 * default). Relative paths are relative to the config file's directory. Amounts of tokens are
 * decimal strings in VRT ("0.002", "1000"), converted exactly to the token's 18 decimals.
 *
 * <p>Exactly the section of the node's role may be present ({@code solver}, {@code verifier},
 * {@code submitter} or {@code challenger}); the key is either {@code privateKey} (hex) or
 * {@code keyFile} (a file holding the hex key), never both. {@code names} optionally names other
 * accounts (address to name) for the node's log sentences.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeConfig(@JsonProperty("role") String role, @JsonProperty("name") String name, @JsonProperty("rpc") String rpc,
                         @JsonProperty("deployment") String deployment, @JsonProperty("privateKey") String privateKey,
                         @JsonProperty("keyFile") String keyFile, @JsonProperty("blobStore") String blobStore,
                         @JsonProperty("home") String home, @JsonProperty("statusHost") String statusHost,
                         @JsonProperty("statusPort") Integer statusPort, @JsonProperty("portFile") String portFile,
                         @JsonProperty("pollMillis") Integer pollMillis, @JsonProperty("solver") SolverParams solver,
                         @JsonProperty("verifier") VerifierParams verifier, @JsonProperty("submitter") SubmitterParams submitter,
                         @JsonProperty("challenger") ChallengerParams challenger, @JsonProperty("names") Map<String, String> names) {
    public static final List<String> ROLES = List.of("solver", "verifier", "submitter", "challenger");
    public static final int DEFAULT_POLL_MILLIS = 500;

    public NodeConfig {
        if (role == null || !ROLES.contains(role)) {
            throw new IllegalArgumentException("node config: role must be one of " + ROLES + ", got " + (role == null ? "nothing" : "'" + role + "'"));
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("node config: name is required (it names the node in logs and the status API)");
        }
        if (rpc == null || !(rpc.startsWith("http://") || rpc.startsWith("https://"))) {
            throw new IllegalArgumentException("node config: rpc must be the chain's JSON-RPC URL (http:// or https://), got '" + rpc + "'");
        }
        try {
            URI.create(rpc);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("node config: rpc is not a URL: '" + rpc + "'");
        }
        if (deployment == null || deployment.isBlank()) {
            throw new IllegalArgumentException("node config: deployment is required: the deployment.json written when the contracts were deployed");
        }
        if ((privateKey == null) == (keyFile == null)) {
            throw new IllegalArgumentException("node config: give exactly one of privateKey (hex) and keyFile (a file holding the hex key)");
        }
        if (privateKey != null) {
            checkKey(privateKey, "privateKey");
        }
        if (blobStore == null || blobStore.isBlank()) {
            throw new IllegalArgumentException("node config: blobStore is required (a directory, file:/dir, http://host:port or s3://bucket)");
        }
        if (home == null || home.isBlank()) {
            throw new IllegalArgumentException("node config: home is required: the node's own directory for secrets and checkpoint journals");
        }
        if (statusHost == null) {
            statusHost = "127.0.0.1";
        }
        if (statusPort == null) {
            statusPort = 0;
        }
        if (statusPort < 0 || statusPort > 65535) {
            throw new IllegalArgumentException("node config: statusPort must be 0..65535 (0 = any free port), got " + statusPort);
        }
        if (pollMillis == null) {
            pollMillis = DEFAULT_POLL_MILLIS;
        }
        if (pollMillis < 10 || pollMillis > 600_000) {
            throw new IllegalArgumentException("node config: pollMillis must be 10..600000, got " + pollMillis);
        }
        names = names == null ? Map.of() : Map.copyOf(names);
        for (var e : names.entrySet()) {
            if (!e.getKey().matches("0x[0-9a-fA-F]{40}") || e.getValue() == null || e.getValue().isBlank()) {
                throw new IllegalArgumentException("node config: names maps 0x-prefixed 20-byte addresses to names, got '" + e.getKey() + "'");
            }
        }
        Object[] sections = {solver, verifier, submitter, challenger};
        for (int i = 0; i < ROLES.size(); i++) {
            if (sections[i] != null && !ROLES.get(i).equals(role)) {
                throw new IllegalArgumentException("node config: a " + role + " node takes a '" + role + "' section, not a '" + ROLES.get(i) + "' section");
            }
        }
        switch (role) {
            case "solver" -> require(solver, role);
            case "verifier" -> require(verifier, role);
            case "submitter" -> require(submitter, role);
            default -> {
                if (challenger == null) {
                    challenger = new ChallengerParams(null);
                }
            }
        }
    }

    private static void require(Object section, String role) {
        if (section == null) {
            throw new IllegalArgumentException("node config: a " + role + " node needs a '" + role + "' section with its parameters");
        }
    }

    private static String checkKey(String hex, String what) {
        String h = hex.strip();
        if (!h.matches("(0x)?[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("node config: " + what + " must be 64 hex digits (32 bytes), optionally 0x-prefixed");
        }
        return h;
    }

    /**
     * A solver's offer: price per work unit, capacity, stake; {@code strategy} names how it trains ("honest" if absent; a
     * cheat of verity-testkit's cheat library, for tests and demos only, through {@link StrategyLibrary}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SolverParams(@JsonProperty("pricePerUnit") String pricePerUnit, @JsonProperty("capacityWorkUnits") Long capacityWorkUnits,
                               @JsonProperty("maxConcurrentTasks") Integer maxConcurrentTasks, @JsonProperty("stake") String stake,
                               @JsonProperty("strategy") String strategy) {
        public SolverParams {
            tokens("solver.pricePerUnit", pricePerUnit, true);
            tokens("solver.stake", stake, false);
            if (capacityWorkUnits == null) {
                capacityWorkUnits = 1_000_000L;
            }
            if (maxConcurrentTasks == null) {
                maxConcurrentTasks = 1;
            }
            if (capacityWorkUnits < 1 || maxConcurrentTasks < 1) {
                throw new IllegalArgumentException("node config: solver.capacityWorkUnits and solver.maxConcurrentTasks must be at least 1");
            }
            if (strategy != null) {
                strategyNamed(strategy);
            }
        }
    }

    /** A verifier's stake; {@code auditAll} also replays every segment of every task (unpaid, for the slashing reward). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VerifierParams(@JsonProperty("stake") String stake, @JsonProperty("auditAll") Boolean auditAll) {
        public VerifierParams {
            tokens("verifier.stake", stake, true);
            if (auditAll == null) {
                auditAll = false;
            }
        }
    }

    /**
     * What a submitter offers per task, and the tasks it posts: {@code tasks} are task spec files
     * (JSON, as {@code TaskSpec} writes them), posted in order, each after the one before reached a
     * final status. A spec this account already posted is not posted again, so a restarted
     * submitter never posts twice.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SubmitterParams(@JsonProperty("maxPricePerUnit") String maxPricePerUnit, @JsonProperty("replayFee") String replayFee,
                                  @JsonProperty("solverStake") String solverStake, @JsonProperty("numVerifiers") Integer numVerifiers,
                                  @JsonProperty("bidWindow") Long bidWindow, @JsonProperty("commitWindow") Long commitWindow,
                                  @JsonProperty("revealWindow") Long revealWindow, @JsonProperty("verifyWindow") Long verifyWindow,
                                  @JsonProperty("tasks") List<String> tasks) {
        public SubmitterParams {
            tokens("submitter.maxPricePerUnit", maxPricePerUnit, true);
            tokens("submitter.replayFee", replayFee, false);
            tokens("submitter.solverStake", solverStake, false);
            if (numVerifiers == null) {
                numVerifiers = 3;
            }
            bidWindow = window("bidWindow", bidWindow, 600);
            commitWindow = window("commitWindow", commitWindow, 3600);
            revealWindow = window("revealWindow", revealWindow, 600);
            verifyWindow = window("verifyWindow", verifyWindow, 600);
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
            for (String t : tasks) {
                if (t == null || t.isBlank()) {
                    throw new IllegalArgumentException("node config: submitter.tasks holds an empty path");
                }
            }
        }

        private static long window(String what, Long v, long dflt) {
            long w = v == null ? dflt : v;
            if (w < 1) {
                throw new IllegalArgumentException("node config: submitter." + what + " must be at least 1 second, got " + w);
            }
            return w;
        }
    }

    /** A standalone challenger: replays every segment of every committed task and disputes a mismatch (it needs the game's bond in tokens). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChallengerParams(@JsonProperty("auditAll") Boolean auditAll) {
        public ChallengerParams {
            if (auditAll == null) {
                auditAll = true;
            }
        }
    }

    /** Exact VRT decimal (up to 18 decimals) to the token's base unit; null if absent and optional. */
    public static BigInteger tokens(String what, String amount, boolean required) {
        if (amount == null) {
            if (required) {
                throw new IllegalArgumentException("node config: " + what + " is required (an amount of VRT, e.g. \"0.002\")");
            }
            return null;
        }
        BigDecimal d;
        try {
            d = new BigDecimal(amount.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("node config: " + what + " must be an amount of VRT such as \"0.002\", got '" + amount + "'");
        }
        if (d.signum() < 0 || (required && d.signum() == 0)) {
            throw new IllegalArgumentException("node config: " + what + " must be " + (required ? "positive" : "non-negative") + ", got " + amount);
        }
        try {
            return d.movePointRight(18).toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("node config: " + what + " has more than 18 decimals: " + amount);
        }
    }

    /** The solver strategy called {@code name}: "honest", or one a {@link StrategyLibrary} on the classpath offers. */
    public static SolverStrategy strategyNamed(String name) {
        try {
            return StrategyLibrary.named(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("node config: solver.strategy: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- resolved values

    public Credentials credentials() throws IOException {
        String hex = privateKey != null ? privateKey : checkKey(Files.readString(Path.of(keyFile), StandardCharsets.US_ASCII), "the key in " + keyFile);
        return Credentials.create(hex.strip());
    }

    /** The account the key controls (lower-case hex). */
    public String account() throws IOException {
        return credentials().getAddress().toLowerCase(Locale.ROOT);
    }

    public Path homeDir() {
        return Path.of(home);
    }

    public BigInteger solverPrice() {
        return tokens("solver.pricePerUnit", solver.pricePerUnit(), true);
    }

    // ---------------------------------------------------------------- JSON

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void write(Path file) throws IOException {
        Files.write(file, toJson());
    }

    /** Parses a config; relative paths are resolved against {@code base}. Errors name the field and the problem. */
    public static NodeConfig fromJson(byte[] json, Path base) throws IOException {
        NodeConfig c;
        try {
            c = JSON.readValue(json, NodeConfig.class);
        } catch (UnrecognizedPropertyException e) {
            List<String> path = e.getPath().stream().map(r -> r.getFieldName()).filter(java.util.Objects::nonNull).toList();
            String at = path.size() > 1 ? " in '" + String.join(".", path.subList(0, path.size() - 1)) + "'" : "";
            throw new IllegalArgumentException("node config: unknown field '" + e.getPropertyName() + "'" + at + "; known fields: "
                    + new java.util.TreeSet<>(e.getKnownPropertyIds().stream().map(String::valueOf).toList()));
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            Throwable cause = e.getCause();
            while (cause != null && !(cause instanceof IllegalArgumentException)) {
                cause = cause.getCause();
            }
            if (cause != null) {
                throw new IllegalArgumentException(cause.getMessage(), e);
            }
            throw new IllegalArgumentException("node config: " + e.getOriginalMessage() + where(e.getPath()), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("node config is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"), e);
        }
        return c.resolve(base);
    }

    private static String where(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> path) {
        StringBuilder b = new StringBuilder();
        for (var r : path) {
            if (r.getFieldName() != null) {
                b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.isEmpty() ? "" : " (at " + b + ")";
    }

    public static NodeConfig read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("node config " + file + " does not exist");
        }
        Path base = file.toAbsolutePath().getParent();
        try {
            return fromJson(bytes, base);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** This config with every relative path made absolute against {@code base}. */
    public NodeConfig resolve(Path base) {
        SubmitterParams sub = submitter;
        if (sub != null) {
            List<String> t = new ArrayList<>();
            for (String s : sub.tasks()) {
                t.add(abs(base, s));
            }
            sub = new SubmitterParams(sub.maxPricePerUnit(), sub.replayFee(), sub.solverStake(), sub.numVerifiers(), sub.bidWindow(),
                    sub.commitWindow(), sub.revealWindow(), sub.verifyWindow(), t);
        }
        String store = blobStore.matches("^[A-Za-z][A-Za-z0-9+.-]+:.*") ? blobStore : abs(base, blobStore);
        return new NodeConfig(role, name, rpc, abs(base, deployment), privateKey, keyFile == null ? null : abs(base, keyFile), store, abs(base, home),
                statusHost, statusPort, portFile == null ? null : abs(base, portFile), pollMillis, solver, verifier, sub, challenger, names);
    }

    private static String abs(Path base, String p) {
        Path x = Path.of(p);
        return (x.isAbsolute() || base == null ? x : base.resolve(x)).normalize().toString();
    }
}

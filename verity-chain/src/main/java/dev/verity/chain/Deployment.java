package dev.verity.chain;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where a set of Verity contracts lives: the chain id, every contract address and the deployment
 * parameters ({@code rules}: the task rules it started with; ProtocolParams at {@code params} holds the current ones). Written by whoever deploys, read by every process that joins the network
 * ({@link Verity#attach}), so roles in other processes talk to the same contracts.
 * {@code deployBlock} is the chain's head just before the first contract was created: no Verity
 * event is older, so a node reading history starts there instead of at block 0. {@code governance} is how the
 * governor and its timelock started; like the rules, it changes later only by proposal, so {@link Verity#attach} checks
 * the governance contracts' code and wiring, not these values.
 */
public record Deployment(@JsonProperty("chainId") long chainId, @JsonProperty("deployer") String deployer,
                         @JsonProperty("treasury") String treasury, @JsonProperty("token") String token,
                         @JsonProperty("staking") String staking, @JsonProperty("registry") String registry,
                         @JsonProperty("market") String market, @JsonProperty("game") String game,
                         @JsonProperty("referee") String referee, @JsonProperty("governor") String governor,
                         @JsonProperty("timelock") String timelock, @JsonProperty("params") String params,
                         @JsonProperty("initialSupply") BigInteger initialSupply,
                         @JsonProperty("unbondingDelay") long unbondingDelay, @JsonProperty("rules") TaskRules rules,
                         @JsonProperty("refereeContract") String refereeContract, @JsonProperty("governance") GovernanceSettings governance,
                         @JsonProperty("deployBlock") long deployBlock) {
    public Deployment {
        if (chainId <= 0) {
            throw new IllegalArgumentException("deployment: chainId must be positive, got " + chainId);
        }
        deployer = address("deployer", deployer);
        treasury = address("treasury", treasury);
        token = address("token", token);
        staking = address("staking", staking);
        registry = address("registry", registry);
        market = address("market", market);
        game = address("game", game);
        referee = address("referee", referee);
        governor = address("governor", governor);
        timelock = address("timelock", timelock);
        params = address("params", params);
        if (governance == null) {
            throw new IllegalArgumentException("deployment: governance (the governor's settings at deployment) is required");
        }
        if (initialSupply == null || initialSupply.signum() <= 0) {
            throw new IllegalArgumentException("deployment: initialSupply must be positive");
        }
        if (rules == null) {
            throw new IllegalArgumentException("deployment: rules (the initial task rules) are required");
        }
        if (unbondingDelay < 0) {
            throw new IllegalArgumentException("deployment: unbondingDelay must be >= 0");
        }
        if (deployBlock < 0) {
            throw new IllegalArgumentException("deployment: deployBlock must be >= 0 (the block before the contracts were created), got " + deployBlock);
        }
        if (refereeContract == null || refereeContract.isBlank()) {
            throw new IllegalArgumentException("deployment: refereeContract is required");
        }
    }

    private static String address(String field, String a) {
        if (a == null || !a.matches("0x[0-9a-fA-F]{40}")) {
            throw new IllegalArgumentException("deployment: " + field + " must be a 0x-prefixed 20-byte hex address, got '" + a + "'");
        }
        return a.toLowerCase(Locale.ROOT);
    }

    /** The deployment parameters as {@link Verity.Config}. */
    public Verity.Config config() {
        return new Verity.Config(initialSupply, unbondingDelay, rules, refereeContract, governance);
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Deployment fromJson(byte[] json) throws IOException {
        try {
            return JSON.readValue(json, Deployment.class);
        } catch (IOException e) {
            Throwable c = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IOException("malformed deployment: " + c.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    public void write(Path file) throws IOException {
        Files.write(file, toJson());
    }

    public static Deployment read(Path file) throws IOException {
        return fromJson(Files.readAllBytes(file));
    }
}

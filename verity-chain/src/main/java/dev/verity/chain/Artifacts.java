package dev.verity.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.web3j.utils.Numeric;

/**
 * The committed compiler output (src/main/resources/dev/verity/chain/contracts/*.json, written by
 * compile-contracts.sh with the pinned npm solc), so running Verity needs no Node.js.
 */
public final class Artifacts {
    public static final String RESOURCE_DIR = "/dev/verity/chain/contracts/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Artifacts() {}

    public static JsonNode load(String contractName) {
        try (InputStream in = Artifacts.class.getResourceAsStream(RESOURCE_DIR + contractName + ".json")) {
            if (in == null) throw new IllegalArgumentException("no compiled artifact for contract " + contractName);
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bytecode(String contractName) {
        byte[] code = Numeric.hexStringToByteArray(load(contractName).get("bytecode").asText());
        if (code.length == 0) throw new IllegalArgumentException(contractName + " is abstract or an interface: no bytecode");
        return code;
    }

    /** The contracts whose custom errors {@link #customError} decodes. */
    private static final java.util.List<String> WITH_ERRORS = java.util.List.of("TaskMarket", "DisputeGame", "Staking", "ModelRegistry", "VerityToken",
            "InitReferee", "ReplayReferee", "ProtocolParams", "VerityGovernor", "VerityTimelock");

    private record ErrorAbi(String name, java.util.List<String> types) {}

    private static volatile java.util.Map<String, ErrorAbi> errors;

    private static java.util.Map<String, ErrorAbi> errors() {
        if (errors == null) {
            java.util.Map<String, ErrorAbi> m = new java.util.TreeMap<>();
            for (String c : WITH_ERRORS) {
                for (JsonNode e : load(c).get("abi")) {
                    if (!"error".equals(e.get("type").asText())) continue;
                    java.util.List<String> types = new java.util.ArrayList<>();
                    for (JsonNode in : e.get("inputs")) types.add(in.get("type").asText());
                    String sig = e.get("name").asText() + "(" + String.join(",", types) + ")";
                    m.put(Numeric.toHexString(Abi.selector(sig)), new ErrorAbi(e.get("name").asText(), types));
                }
            }
            errors = m;
        }
        return errors;
    }

    /** A custom error of a Verity contract as {@code Name(arg, ...)}, or null if the selector is none of theirs. */
    static String customError(byte[] selector, byte[] body) {
        ErrorAbi e = errors().get(Numeric.toHexString(selector));
        if (e == null) return null;
        java.util.List<org.web3j.abi.TypeReference<?>> refs = new java.util.ArrayList<>();
        for (String t : e.types()) {
            try {
                refs.add(org.web3j.abi.TypeReference.makeTypeReference(t));
            } catch (ClassNotFoundException ex) {
                return e.name() + "(?)";
            }
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        java.util.List<org.web3j.abi.datatypes.Type> values =
                org.web3j.abi.FunctionReturnDecoder.decode(Numeric.toHexString(body), (java.util.List) refs);
        java.util.List<String> args = new java.util.ArrayList<>();
        for (org.web3j.abi.datatypes.Type<?> v : values) {
            Object x = v.getValue();
            args.add(x instanceof String str ? (v instanceof org.web3j.abi.datatypes.Address ? str : "\"" + str + "\"")
                    : x instanceof byte[] b ? Numeric.toHexString(b) : String.valueOf(x));
        }
        return e.name() + "(" + String.join(", ", args) + ")";
    }

    /**
     * Whether {@code code} (runtime code read from a chain) is contract {@code contractName}'s compiled runtime code. The
     * bytes of immutables (constructor arguments baked into the code, such as a token address) are left out of the
     * comparison on both sides; everything else must be equal.
     */
    public static boolean runtimeMatches(String contractName, byte[] code) {
        JsonNode a = load(contractName);
        byte[] want = Numeric.hexStringToByteArray(a.get("deployedBytecode").asText());
        if (want.length == 0 || code.length != want.length) return false;
        byte[] got = code.clone();
        for (JsonNode refs : a.get("immutableReferences")) {
            for (JsonNode r : refs) {
                int start = r.get("start").asInt();
                int len = r.get("length").asInt();
                java.util.Arrays.fill(got, start, start + len, (byte) 0);
                java.util.Arrays.fill(want, start, start + len, (byte) 0);
            }
        }
        return java.util.Arrays.equals(got, want);
    }

    /** Creation code followed by the ABI-encoded constructor arguments. */
    public static byte[] creationCode(String contractName, org.web3j.abi.datatypes.Type<?>... ctorArgs) {
        return Abi.concat(bytecode(contractName), Abi.encodeArgs(ctorArgs));
    }
}

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

    /** Creation code followed by the ABI-encoded constructor arguments. */
    public static byte[] creationCode(String contractName, org.web3j.abi.datatypes.Type<?>... ctorArgs) {
        return Abi.concat(bytecode(contractName), Abi.encodeArgs(ctorArgs));
    }
}

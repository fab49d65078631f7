package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.verity.proof.commit.Commitments;
import dev.verity.tensor.chain.BasicOp;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** WireCodes.sol is generated from the engine's definitions; verity-chain's Java copies agree with them. */
class WireCodesTest {
    @Test
    void generatedFileIsCurrent() throws Exception {
        Path file = Path.of("..").resolve(WireCodesSource.PATH);
        String want = WireCodesSource.solidity();
        if (Boolean.getBoolean("verity.regenerate")) {
            Files.writeString(file, want);
        }
        assertEquals(want, Files.readString(file), "WireCodes.sol is stale: regenerate it (see its header)");
    }

    @Test
    void theChainModulesJavaCopiesAgree() {
        // verity-chain sees neither verity-proof nor verity-tensor: its leaf builders carry the tags and codes they need
        assertEquals(WireCodesSource.REPLAY, dev.verity.chain.ReplayProbe.leaf(1, 0, dev.verity.chain.ReplayProbe.SOLVER)[0]);
        assertEquals(Commitments.CHAIN_LINK, dev.verity.chain.SyntheticDispute.TAG_LINK);
        assertEquals(Commitments.CHAIN_RESULT, dev.verity.chain.SyntheticDispute.TAG_RESULT);
        assertEquals(BasicOp.FMA.code(), dev.verity.chain.SyntheticDispute.OP_FMA);
    }
}

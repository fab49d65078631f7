package dev.verity.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * TaskQuote prices a task offline, without a chain, so it holds ProtocolParams' window floors as Java constants: this
 * reads them from ProtocolParams.sol and fails when the two disagree.
 */
class TaskQuoteConstantsTest {
    static long solidityConstant(String source, String name) {
        Matcher m = Pattern.compile("constant " + name + " = ([0-9_]+);").matcher(source);
        if (!m.find()) {
            throw new AssertionError("ProtocolParams.sol has no constant " + name);
        }
        return Long.parseLong(m.group(1).replace("_", ""));
    }

    @Test
    void windowFloorsAreProtocolParams() throws Exception {
        String sol = Files.readString(Path.of("../verity-chain/src/main/solidity/ProtocolParams.sol"));
        assertEquals(solidityConstant(sol, "MIN_WINDOW"), TaskQuote.MIN_WINDOW);
        assertEquals(solidityConstant(sol, "MIN_WORK_UNITS_PER_SECOND"), TaskQuote.MIN_WORK_UNITS_PER_SECOND);
    }
}

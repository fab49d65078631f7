package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.verity.chain.Governance.ProposalState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The proposal states Java reads are OpenZeppelin's IGovernor.ProposalState: each member's position is the Java code. */
class ProposalStateCodesTest {
    @Test
    void codesArePinned() {
        int[] want = {0, 1, 2, 3, 4, 5, 6, 7};
        ProposalState[] in = {ProposalState.PENDING, ProposalState.ACTIVE, ProposalState.CANCELED, ProposalState.DEFEATED,
                ProposalState.SUCCEEDED, ProposalState.QUEUED, ProposalState.EXPIRED, ProposalState.EXECUTED};
        assertEquals(in.length, ProposalState.values().length);
        for (int i = 0; i < in.length; i++) {
            assertEquals(want[i], in[i].code, in[i].name());
            assertEquals(in[i], ProposalState.ofCode(want[i]));
        }
        assertThrows(IllegalStateException.class, () -> ProposalState.ofCode(8));
    }

    /** Against the pinned OpenZeppelin source, where node_modules is installed (setup-node-packages.sh). */
    @Test
    void codesAreTheGovernorsEnumPositions() throws Exception {
        Path sol = Path.of("node_modules/@openzeppelin/contracts/governance/IGovernor.sol");
        Assumptions.assumeTrue(Files.exists(sol), "node_modules/@openzeppelin is not installed");
        Matcher m = Pattern.compile("enum ProposalState \\{([^}]*)\\}").matcher(Files.readString(sol));
        if (!m.find()) {
            throw new AssertionError("IGovernor.sol has no enum ProposalState");
        }
        List<String> members = new ArrayList<>();
        for (String s : m.group(1).split(",")) {
            members.add(s.strip().toUpperCase(Locale.ROOT));
        }
        assertEquals(members.size(), ProposalState.values().length, "the same members: " + members);
        for (int i = 0; i < members.size(); i++) {
            assertEquals(i, ProposalState.valueOf(members.get(i)).code, members.get(i));
        }
    }
}

package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The task status codes Java reads are TaskMarket.sol's: each Solidity member's position is the Java constant's code. */
class TaskStatusCodesTest {
    @Test
    void javaStatusCodesAreTheMarketsEnumPositions() throws Exception {
        String sol = Files.readString(Path.of("src/main/solidity/TaskMarket.sol"));
        Matcher m = Pattern.compile("enum Status \\{([^}]*)\\}").matcher(sol);
        if (!m.find()) {
            throw new AssertionError("TaskMarket.sol has no enum Status");
        }
        List<String> members = new ArrayList<>();
        for (String s : m.group(1).split(",")) {
            members.add(s.strip().toUpperCase(Locale.ROOT));
        }
        assertEquals(members.size(), Verity.Status.values().length, "the same members: " + members);
        for (int i = 0; i < members.size(); i++) {
            Verity.Status s = Verity.Status.valueOf(members.get(i));
            assertEquals(i, s.code(), s + " is member " + i + " of TaskMarket.Status");
            assertEquals(s, Verity.Status.ofCode(i));
        }
        assertThrows(IllegalStateException.class, () -> Verity.Status.ofCode(members.size()));
    }
}

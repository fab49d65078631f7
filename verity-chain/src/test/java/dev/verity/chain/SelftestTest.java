package dev.verity.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SelftestTest {
    @Test
    void embeddedSelftestPasses() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = ChainSelftest.run(null, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, rc, out);
        assertTrue(out.strip().endsWith("selftest: ok"), out);
    }
}

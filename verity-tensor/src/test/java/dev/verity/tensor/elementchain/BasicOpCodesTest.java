package dev.verity.tensor.elementchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.verity.tensor.graph.GraphRole;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wire codes of the basic operations and of graph roles are part of every commitment (a chain link's leaf names its
 * operation by code, a graph record its role) and of the contracts' operation table: they are pinned here, so a
 * reordered or inserted constant fails a test instead of silently changing every root.
 */
class BasicOpCodesTest {
    @Test
    void basicOpCodesArePinned() {
        String[] order = {"ADD", "SUB", "MUL", "DIV", "FMA", "SQRT", "NEG", "ABS", "MAX", "MIN", "GT", "SELECT", "RINT", "SCALB", "GETEXP",
            "GETMANT", "F2I", "I2F", "PHILOX", "SHUFFLE", "UNIFORM"};
        Map<String, Integer> expected = new LinkedHashMap<>();
        for (int i = 0; i < order.length; i++) expected.put(order[i], i);
        Map<String, Integer> actual = new LinkedHashMap<>();
        for (String name : order) actual.put(name, BasicOp.valueOf(name).code());
        assertEquals(expected, actual);
        assertEquals(order.length, BasicOp.values().length, "a new basic operation needs a pinned code here and a route on chain");
        for (BasicOp b : BasicOp.values()) assertEquals(b, BasicOp.fromCode(b.code()));
    }

    @Test
    void unknownCodesAreRefusedByValue() {
        assertFalse(BasicOp.isCode(21));
        assertFalse(BasicOp.isCode(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BasicOp.fromCode(200));
        assertEquals("no basic operation has the code 200", e.getMessage());
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> GraphRole.fromCode(9));
        assertEquals("no graph role has the code 9", r.getMessage());
    }

    @Test
    void roleCodesArePinned() {
        Map<String, Integer> actual = new LinkedHashMap<>();
        for (GraphRole r : GraphRole.values()) actual.put(r.name(), r.code());
        assertEquals(Map.of("SOURCE", 0, "DATA", 1, "FORWARD", 2, "BACKWARD", 3, "OPTIMIZER", 4), actual);
        for (GraphRole r : GraphRole.values()) assertEquals(r, GraphRole.fromCode(r.code()));
    }
}

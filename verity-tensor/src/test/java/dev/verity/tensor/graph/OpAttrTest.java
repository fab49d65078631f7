package dev.verity.tensor.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpAttrTest {
    @Test
    void intsAndBooleansAreStoredAsLongsSoTheCanonicalBytesKeepTheirLayout() {
        byte[] bytes = Attrs.builder().put(OpAttr.AXIS, 3).put(OpAttr.TRANS_A, true).build().canonicalBytes();
        ByteBuffer want = ByteBuffer.allocate(bytes.length).putInt(2);
        for (String name : new String[] {"axis", "transA"}) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            want.putShort((short) n.length).put(n).put((byte) 1).putLong(name.equals("axis") ? 3 : 1);
        }
        assertArrayEquals(want.array(), bytes);
    }

    @Test
    void aValueReadsBackAsItsOwnType() {
        Attrs a = Attrs.builder().put(OpAttr.EPS, 1e-5f).put(OpAttr.SEED, 1L << 40).put(OpAttr.PERM, new int[] {1, 0})
                .put(OpAttr.SCHEDULE, "cosine").put(OpAttr.TRANS_B, false).build();
        assertEquals(1e-5f, a.get(OpAttr.EPS));
        assertEquals(1L << 40, a.get(OpAttr.SEED));
        assertArrayEquals(new int[] {1, 0}, a.get(OpAttr.PERM));
        assertEquals("cosine", a.get(OpAttr.SCHEDULE));
        assertEquals(false, a.get(OpAttr.TRANS_B));
    }

    @Test
    void readingAnAttributeAsAnotherTypeNamesIt() {
        Attrs a = Attrs.builder().put(OpAttr.int32("eps"), 1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.get(OpAttr.EPS));
        assertTrue(e.getMessage().contains("'eps'"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> a.get(OpAttr.STRIDE));
        assertTrue(missing.getMessage().contains("'stride'"), missing.getMessage());
    }

    @Test
    void anIntThatDoesNotFitIsRefused() {
        Attrs a = Attrs.builder().put(OpAttr.int64("axis"), 1L << 33).build();
        assertThrows(ArithmeticException.class, () -> a.get(OpAttr.AXIS));
    }

    /** One name, one stored form: two keys may share a name only if they are the same key (a uniform init and the data ops both read SEED). */
    @Test
    void noTwoAttributesShareANameWithDifferentForms() throws IllegalAccessException {
        Map<String, String> forms = new HashMap<>();
        for (Field f : OpAttr.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == OpAttr.class) {
                OpAttr<?> a = (OpAttr<?>) f.get(null);
                String had = forms.putIfAbsent(a.name(), a.toString());
                assertTrue(had == null || had.equals(a.toString()), a.name() + " is declared as " + had + " and " + a);
            }
        }
        assertTrue(forms.size() > 30, "the keys were not found: " + forms.keySet());
    }
}

package dev.verity.tensor.graph;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An op's attributes: a sorted map from name to a long, a float (stored by its bits), an int
 * array or a string. Sorted, so its canonical bytes never depend on insertion order. Read and
 * written only through typed keys ({@link OpAttr}), so each attribute has one name and one stored form.
 */
public final class Attrs {
    public static final Attrs NONE = new Attrs(new TreeMap<>());
    private final SortedMap<String, Object> values;

    private Attrs(SortedMap<String, Object> values) {
        this.values = Collections.unmodifiableSortedMap(values);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final TreeMap<String, Object> m = new TreeMap<>();

        /** Sets a typed attribute (its one stored form: {@link OpAttr}). */
        public <T> Builder put(OpAttr<T> a, T v) {
            m.put(a.name(), a.encode(v));
            return this;
        }

        /** Copies every attribute of {@code other} in its stored form (a state's init into its STATE node). */
        public Builder putAll(Attrs other) {
            other.values.forEach((k, v) -> m.put(k, v instanceof int[] a ? a.clone() : v));
            return this;
        }

        /** A snapshot: later puts on this builder do not change attributes already built. */
        public Attrs build() {
            return m.isEmpty() ? NONE : new Attrs(new TreeMap<>(m));
        }
    }

    private Object need(String k) {
        Object v = values.get(k);
        if (v == null) {
            throw new IllegalArgumentException("missing attribute '" + k + "'");
        }
        return v;
    }

    /** A typed attribute's value; an error naming it when it is missing or stored as another type. */
    public <T> T get(OpAttr<T> a) {
        return a.decode(need(a.name()));
    }

    public boolean has(OpAttr<?> a) {
        return values.containsKey(a.name());
    }

    public Map<String, Object> asMap() {
        return values;
    }

    /** Canonical bytes: per entry, name, a type tag and the value; entries in name order. */
    public byte[] canonicalBytes() {
        ByteBuffer b = ByteBuffer.allocate(64 + 256 * values.size());
        b.putInt(values.size());
        for (Map.Entry<String, Object> e : values.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            b = ensure(b, 16 + name.length);
            b.putShort((short) name.length).put(name);
            Object v = e.getValue();
            if (v instanceof Long l) {
                b.put((byte) 1).putLong(l);
            } else if (v instanceof Float f) {
                b.put((byte) 2).putInt(Float.floatToRawIntBits(f));
            } else if (v instanceof int[] a) {
                b = ensure(b, 8 + 4 * a.length);
                b.put((byte) 3).putInt(a.length);
                for (int x : a) {
                    b.putInt(x);
                }
            } else {
                byte[] s = ((String) v).getBytes(StandardCharsets.UTF_8);
                b = ensure(b, 8 + s.length);
                b.put((byte) 4).putInt(s.length).put(s);
            }
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    private static ByteBuffer ensure(ByteBuffer b, int more) {
        if (b.remaining() >= more) {
            return b;
        }
        ByteBuffer n = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + more + 64));
        b.flip();
        n.put(b);
        return n;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (s.length() > 1) {
                s.append(", ");
            }
            Object v = e.getValue();
            s.append(e.getKey()).append('=').append(v instanceof int[] a ? Arrays.toString(a) : v);
        }
        return s.append('}').toString();
    }
}

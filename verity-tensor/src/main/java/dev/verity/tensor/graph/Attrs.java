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
 * array or a string. Sorted, so its canonical bytes never depend on insertion order.
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

        public Builder put(String k, long v) {
            m.put(k, v);
            return this;
        }

        public Builder putFloat(String k, float v) {
            m.put(k, v);
            return this;
        }

        public Builder put(String k, boolean v) {
            m.put(k, v ? 1L : 0L);
            return this;
        }

        public Builder put(String k, int[] v) {
            m.put(k, v.clone());
            return this;
        }

        public Builder put(String k, String v) {
            m.put(k, v);
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

    public long getLong(String k) {
        return (Long) need(k);
    }

    public int getInt(String k) {
        return Math.toIntExact((Long) need(k));
    }

    public boolean getBool(String k) {
        return (Long) need(k) != 0;
    }

    public float getFloat(String k) {
        return (Float) need(k);
    }

    public int[] getInts(String k) {
        return ((int[]) need(k)).clone();
    }

    public String getString(String k) {
        return (String) need(k);
    }

    public boolean has(String k) {
        return values.containsKey(k);
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

package dev.verity.tensor.graph;

import java.util.Objects;

/**
 * A typed op attribute: its name in the op's canonical bytes and the one way its value is stored there. Every op
 * reads and writes its attributes through these keys, so a name is spelled once and a float cannot be written where
 * an int is read. The stored forms are {@link Attrs}' four ({@code long}, {@code float}, {@code int[]}, string):
 * ints and booleans are stored as longs, so the canonical bytes (and every graph root) do not depend on which
 * Java type reads them.
 *
 * @param <T> the value's Java type
 */
public final class OpAttr<T> {
    /** How a value of the attribute's Java type is stored in {@link Attrs}. */
    enum Codec {
        LONG, INT, BOOL, FLOAT, INTS, STRING
    }

    // Shapes and layout.
    public static final OpAttr<int[]> SHAPE = ints("shape");
    public static final OpAttr<int[]> IN_SHAPE = ints("inShape");
    public static final OpAttr<int[]> W_SHAPE = ints("wShape");
    public static final OpAttr<int[]> PERM = ints("perm");
    public static final OpAttr<Integer> AXIS = int32("axis");
    public static final OpAttr<Integer> START = int32("start");
    public static final OpAttr<Integer> END = int32("end");
    public static final OpAttr<Integer> SIZE = int32("size");
    public static final OpAttr<Integer> OFFSET = int32("offset");
    public static final OpAttr<Integer> TOTAL = int32("total");
    public static final OpAttr<Boolean> TRANS_A = bool("transA");
    public static final OpAttr<Boolean> TRANS_B = bool("transB");
    // Convolution and pooling.
    public static final OpAttr<Integer> KERNEL = int32("kernel");
    public static final OpAttr<Integer> STRIDE = int32("stride");
    public static final OpAttr<Integer> PAD = int32("pad");
    // Constants and element-wise parameters.
    public static final OpAttr<Float> VALUE = float32("value");
    public static final OpAttr<Float> FACTOR = float32("factor");
    public static final OpAttr<Float> FILL = float32("fill");
    public static final OpAttr<Float> EPS = float32("eps");
    public static final OpAttr<Float> P = float32("p");
    public static final OpAttr<Integer> VOCAB = int32("vocab");
    // Data and randomness.
    public static final OpAttr<Long> SEED = int64("seed");
    public static final OpAttr<Integer> PURPOSE = int32("purpose");
    public static final OpAttr<Integer> BATCH = int32("batch");
    public static final OpAttr<Integer> WINDOW = int32("window");
    // Optimizers and schedules.
    public static final OpAttr<Float> LR = float32("lr");
    public static final OpAttr<Float> MIN_LR = float32("minLr");
    public static final OpAttr<String> SCHEDULE = string("schedule");
    public static final OpAttr<Integer> WARMUP = int32("warmup");
    public static final OpAttr<Integer> STEP_SIZE = int32("stepSize");
    public static final OpAttr<Float> GAMMA = float32("gamma");
    public static final OpAttr<Float> MOMENTUM = float32("momentum");
    public static final OpAttr<Float> BETA1 = float32("beta1");
    public static final OpAttr<Float> BETA2 = float32("beta2");
    public static final OpAttr<Float> WEIGHT_DECAY = float32("weightDecay");
    public static final OpAttr<Float> MAX_NORM = float32("maxNorm");
    // A STATE node's start (nn.Init: the kind's code, a uniform init's bound and SEED, 1 for a model parameter).
    public static final OpAttr<Long> INIT = int64("init");
    public static final OpAttr<Float> INIT_BOUND = float32("bound");
    public static final OpAttr<Boolean> INIT_PARAM = bool("param");

    private final String name;
    private final Codec codec;

    private OpAttr(String name, Codec codec) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("an op attribute needs a name");
        }
        this.name = name;
        this.codec = codec;
    }

    public static OpAttr<Long> int64(String name) {
        return new OpAttr<>(name, Codec.LONG);
    }

    public static OpAttr<Integer> int32(String name) {
        return new OpAttr<>(name, Codec.INT);
    }

    public static OpAttr<Boolean> bool(String name) {
        return new OpAttr<>(name, Codec.BOOL);
    }

    public static OpAttr<Float> float32(String name) {
        return new OpAttr<>(name, Codec.FLOAT);
    }

    public static OpAttr<int[]> ints(String name) {
        return new OpAttr<>(name, Codec.INTS);
    }

    public static OpAttr<String> string(String name) {
        return new OpAttr<>(name, Codec.STRING);
    }

    /** The name in the canonical bytes. */
    public String name() {
        return name;
    }

    /** The stored form of {@code value}: what {@link Attrs#canonicalBytes()} writes. */
    Object encode(T value) {
        Objects.requireNonNull(value, () -> "attribute '" + name + "' needs a value");
        return switch (codec) {
            case LONG, FLOAT, STRING -> value;
            case INT -> (long) (Integer) value;
            case BOOL -> (Boolean) value ? 1L : 0L;
            case INTS -> ((int[]) value).clone();
        };
    }

    /** The value of a stored form, refusing a form of another type with the attribute's name in the message. */
    @SuppressWarnings("unchecked")
    T decode(Object stored) {
        Object v = switch (codec) {
            case LONG -> as(stored, Long.class);
            case INT -> Math.toIntExact(as(stored, Long.class));
            case BOOL -> as(stored, Long.class) != 0;
            case FLOAT -> as(stored, Float.class);
            case INTS -> as(stored, int[].class).clone();
            case STRING -> as(stored, String.class);
        };
        return (T) v;
    }

    private <S> S as(Object stored, Class<S> form) {
        if (!form.isInstance(stored)) {
            throw new IllegalArgumentException("attribute '" + name + "' holds a " + stored.getClass().getSimpleName()
                    + ", not the " + codec.name().toLowerCase(java.util.Locale.ROOT) + " its op reads");
        }
        return form.cast(stored);
    }

    @Override
    public String toString() {
        return name + ":" + codec.name().toLowerCase(java.util.Locale.ROOT);
    }
}

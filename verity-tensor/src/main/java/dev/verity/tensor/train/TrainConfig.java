package dev.verity.tensor.train;

/**
 * How to train: batch size, steps, seed, optimizer, learning-rate schedule, gradient clipping.
 * Compact constructors reject values that cannot train, with a message a user understands.
 */
public record TrainConfig(int batch, int steps, long seed, Optimizer optimizer, Schedule schedule, float clipNorm) {
    public static final int MAX_STEPS = 1 << 24;

    public TrainConfig {
        if (batch < 1 || batch > 65536) {
            throw new IllegalArgumentException("batch must be in [1, 65536], got " + batch);
        }
        if (steps < 0 || steps > MAX_STEPS) {
            throw new IllegalArgumentException("steps must be in [0, 2^24], got " + steps);
        }
        if (optimizer == null || schedule == null) {
            throw new IllegalArgumentException("optimizer and schedule are required");
        }
        if (!(clipNorm >= 0f) || Float.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("clip norm must be >= 0 (0 = off), got " + clipNorm);
        }
    }

    public TrainConfig withSteps(int s) {
        return new TrainConfig(batch, s, seed, optimizer, schedule.withTotal(s), clipNorm);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(batch, steps, s, optimizer, schedule, clipNorm);
    }

    public TrainConfig withBatch(int b) {
        return new TrainConfig(b, steps, seed, optimizer, schedule, clipNorm);
    }

    /** The defaults Verity trains each named model with. */
    public static TrainConfig defaults(String model, int steps, long seed) {
        return switch (model) {
            case "mlp" -> new TrainConfig(128, steps, seed, new Optimizer.Sgd(0.9f, 0f),
                    Schedule.cosine(0.05f, 0, steps, 0f), 0f);
            case "lenet5" -> new TrainConfig(128, steps, seed, new Optimizer.Sgd(0.9f, 0f),
                    Schedule.cosine(0.05f, 0, steps, 0f), 0f);
            case "gpt" -> new TrainConfig(32, steps, seed, new Optimizer.AdamW(0.9f, 0.95f, 1e-8f, 0.01f),
                    Schedule.cosine(3e-3f, Math.min(100, steps / 10), steps, 3e-4f), 1f);
            case "onnx" -> new TrainConfig(64, steps, seed, new Optimizer.Sgd(0.9f, 0f),
                    Schedule.cosine(0.05f, 0, steps, 0f), 0f);
            default -> throw new IllegalArgumentException("unknown model '" + model + "' (known: mlp, lenet5, gpt, a file.onnx)");
        };
    }

    public sealed interface Optimizer permits Optimizer.Sgd, Optimizer.AdamW {
        /** SGD with momentum (0 = plain SGD) and L2 weight decay added to the gradient. */
        record Sgd(float momentum, float weightDecay) implements Optimizer {
            public Sgd {
                if (!(momentum >= 0f && momentum < 1f)) {
                    throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
                }
                if (!(weightDecay >= 0f && weightDecay < 1f)) {
                    throw new IllegalArgumentException("weight decay must be in [0, 1), got " + weightDecay);
                }
            }
        }

        /** AdamW (decoupled weight decay, applied to weights of rank 2 and more). */
        record AdamW(float beta1, float beta2, float eps, float weightDecay) implements Optimizer {
            public AdamW {
                if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f)) {
                    throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
                }
                if (!(eps > 0f) || !(weightDecay >= 0f && weightDecay < 1f)) {
                    throw new IllegalArgumentException("eps must be > 0 and weight decay in [0, 1)");
                }
            }
        }
    }

    /** Learning-rate schedule: "constant", "step" (times gamma every stepSize steps) or "cosine" (to minLr at total). */
    public record Schedule(String kind, float lr, int warmup, int total, int stepSize, float gamma, float minLr) {
        public Schedule {
            if (!kind.equals("constant") && !kind.equals("step") && !kind.equals("cosine")) {
                throw new IllegalArgumentException("schedule must be constant, step or cosine, got '" + kind + "'");
            }
            if (!(lr > 0f && lr < 100f)) {
                throw new IllegalArgumentException("learning rate must be in (0, 100), got " + lr);
            }
            if (warmup < 0 || total < 0 || stepSize < 1 || !(gamma > 0f && gamma <= 1f) || !(minLr >= 0f && minLr <= lr)) {
                throw new IllegalArgumentException("bad schedule: warmup " + warmup + ", total " + total + ", step size "
                        + stepSize + ", gamma " + gamma + ", min lr " + minLr);
            }
        }

        public static Schedule constant(float lr) {
            return new Schedule("constant", lr, 0, 0, 1, 1f, 0f);
        }

        public static Schedule step(float lr, int stepSize, float gamma) {
            return new Schedule("step", lr, 0, 0, stepSize, gamma, 0f);
        }

        public static Schedule cosine(float lr, int warmup, int total, float minLr) {
            return new Schedule("cosine", lr, warmup, total, 1, 1f, minLr);
        }

        public Schedule withTotal(int t) {
            return kind.equals("cosine") ? new Schedule(kind, lr, Math.min(warmup, t), t, stepSize, gamma, minLr) : this;
        }
    }
}

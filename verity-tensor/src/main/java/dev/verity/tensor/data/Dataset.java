package dev.verity.tensor.data;

import dev.verity.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * An in-memory labelled dataset: {@code size()} samples, each a row of {@code featureSize()} floats
 * (the row-major flattening of {@code sampleShape()}) and one integer label in
 * {@code [0, numClasses)}.
 *
 * <p>{@code features} is row-major {@code [size, featureSize]}. For images it holds
 * {@code pixel / 255f} (exactly that float division of the unsigned byte, so every machine
 * gets the same bits). The arrays are shared, not copied (like {@link Tensor#data()}): they are
 * tens of megabytes, and the dataset is treated as immutable once built. Record equality is
 * therefore reference equality on the arrays; use {@link #contentEquals} to compare contents.
 *
 * @param name        short name, e.g. {@code "fashion-mnist/train"}
 * @param source      where the data came from (a path, a resource), for logs and reports
 * @param sampleShape shape of one sample, e.g. {@code [1, 28, 28]}; {@code []} for a scalar
 * @param features    row-major {@code [size, featureSize]}
 * @param labels      one label per sample
 * @param numClasses  number of classes; every label is in {@code [0, numClasses)}
 */
public record Dataset(String name, String source, int[] sampleShape, float[] features, int[] labels,
        int numClasses) {

    public Dataset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sampleShape, "sampleShape");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        sampleShape = sampleShape.clone();
        long fs = Tensor.numel(sampleShape); // rejects negative dimensions
        if (numClasses < 1) {
            throw new IllegalArgumentException("dataset " + name + ": numClasses must be >= 1, got " + numClasses);
        }
        if ((long) labels.length * fs != features.length) {
            throw new IllegalArgumentException("dataset " + name + ": " + labels.length + " labels x "
                    + fs + " features per sample (shape " + Arrays.toString(sampleShape) + ") needs "
                    + (long) labels.length * fs + " feature values, got " + features.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("dataset " + name + ": label of sample " + i + " is "
                        + labels[i] + ", outside [0, " + numClasses + ")");
            }
        }
    }

    /** Number of samples. */
    public int size() {
        return labels.length;
    }

    /** Floats per sample: the product of {@link #sampleShape()}. */
    public int featureSize() {
        return (int) Tensor.numel(sampleShape);
    }

    /** Shape of one sample (a copy). */
    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** A copy of sample {@code i}'s features. */
    public float[] sample(int i) {
        int fs = featureSize();
        return Arrays.copyOfRange(features, i * fs, i * fs + fs);
    }

    public int label(int i) {
        return labels[i];
    }

    /** All features as a tensor of shape {@code [size, ...sampleShape]}, sharing the array. */
    public Tensor featuresTensor() {
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = size();
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        return new Tensor(shape, features);
    }

    /** Samples {@code [from, to)} as a new dataset (arrays copied), e.g. to take a small head. */
    public Dataset slice(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IllegalArgumentException("dataset " + name + ": slice [" + from + ", " + to
                    + ") is not within [0, " + size() + "]");
        }
        int fs = featureSize();
        return new Dataset(name + "[" + from + ":" + to + "]", source, sampleShape,
                Arrays.copyOfRange(features, from * fs, to * fs), Arrays.copyOfRange(labels, from, to), numClasses);
    }

    /** Equal name, shape, class count, labels, and features bit for bit (raw float bits). */
    public boolean contentEquals(Dataset o) {
        if (!name.equals(o.name) || numClasses != o.numClasses || !Arrays.equals(sampleShape, o.sampleShape)
                || !Arrays.equals(labels, o.labels) || features.length != o.features.length) {
            return false;
        }
        for (int i = 0; i < features.length; i++) {
            if (Float.floatToRawIntBits(features[i]) != Float.floatToRawIntBits(o.features[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ", " + size() + " x " + Arrays.toString(sampleShape) + ", " + numClasses
                + " classes, from " + source + "]";
    }
}

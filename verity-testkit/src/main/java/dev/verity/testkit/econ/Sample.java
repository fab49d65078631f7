package dev.verity.testkit.econ;

/** A running sample of one strategy's net profits (VRT): mean, standard deviation and a 95% confidence interval. */
public final class Sample {
    private long n;
    private double mean;
    private double m2; // Welford: sum of squared deviations from the running mean

    public void add(double x) {
        if (!Double.isFinite(x)) throw new IllegalArgumentException("a profit must be finite, got " + x);
        n++;
        double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
    }

    public long n() {
        return n;
    }

    public double mean() {
        return n == 0 ? Double.NaN : mean;
    }

    public double sd() {
        return n < 2 ? Double.NaN : Math.sqrt(m2 / (n - 1));
    }

    /** Half-width of the 95% confidence interval of the mean (Student's t; infinite below two samples: nothing is known). */
    public double halfWidth() {
        return n < 2 ? Double.POSITIVE_INFINITY : t975(n - 1) * sd() / Math.sqrt(n);
    }

    /** The 97.5% quantile of Student's t with {@code df} degrees of freedom (tabulated to 30, then a 1/df expansion). */
    static double t975(long df) {
        double[] t = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110,
            2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
        if (df < 1) throw new IllegalArgumentException("df must be at least 1, got " + df);
        if (df <= t.length) return t[(int) df - 1];
        return 1.95996 + 2.3722 / df + 2.8224 / ((double) df * df); // Cornish-Fisher, within 0.001 of the table at 30
    }
}

package dev.verity.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The end-to-end table and the goal line of issue 3: a row meets the goal when Verity trains at
 * least 1.5x as many samples/s as the PyTorch reference, or, where the peak makes that impossible,
 * when Verity's model FLOP/s reach at least 85% of the machine's measured FMA peak.
 */
public final class TrainTable {
    public static final double RATIO_GOAL = 1.5;
    public static final double PEAK_SHARE_GOAL = 0.85;

    /**
     * One (model, threads) configuration, medians over repetitions.
     *
     * @param veritySps     Verity training samples/s
     * @param referenceSps  PyTorch samples/s, NaN when the reference was not run or failed
     * @param modelFlopsPerSample model FLOPs (2 M N K over matmuls and convs of forward and backward) per sample
     * @param peakGflops    measured FMA peak of {@code threads} cores, GFLOP/s
     * @param hashSame      whether Verity's final state hash equals the other thread counts' (null: only one ran)
     * @param allocPerStep  bytes allocated by all threads per steady-state step (-1: unknown)
     */
    public record Row(String model, int threads, double veritySps, double referenceSps, double modelFlopsPerSample,
                      double peakGflops, Boolean hashSame, long allocPerStep) {
        public Row {
            if (model == null || model.isEmpty()) {
                throw new IllegalArgumentException("row needs a model name");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            if (!(veritySps >= 0) || !(peakGflops > 0) || !(modelFlopsPerSample >= 0)) {
                throw new IllegalArgumentException("bad measurement for " + model + ": samples/s " + veritySps
                        + ", peak " + peakGflops + ", flops/sample " + modelFlopsPerSample);
            }
        }

        /** Verity / reference samples/s; NaN without a reference. */
        public double ratio() {
            return referenceSps > 0 ? veritySps / referenceSps : Double.NaN;
        }

        public double modelGflops() {
            return veritySps * modelFlopsPerSample / 1e9;
        }

        public double peakShare() {
            return modelGflops() / peakGflops;
        }

        public boolean meetsGoal() {
            double r = ratio();
            return (!Double.isNaN(r) && r >= RATIO_GOAL) || peakShare() >= PEAK_SHARE_GOAL;
        }
    }

    private TrainTable() {
    }

    /** The exact last line the issue asks for. */
    public static String goalLine(List<Row> rows) {
        long k = rows.stream().filter(Row::meetsGoal).count();
        return "goal: " + k + "/" + rows.size() + " rows meet (ratio >= 1.5 or peak share >= 85%)";
    }

    public static String format(List<Row> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"model", "threads", "verity samples/s", "pytorch samples/s", "ratio", "model GFLOP/s",
                "peak GFLOP/s", "peak share", "same hash", "alloc/step", "goal"});
        for (Row r : rows) {
            cells.add(new String[] {r.model(), Integer.toString(r.threads()), num(r.veritySps()),
                    Double.isNaN(r.referenceSps()) ? "-" : num(r.referenceSps()),
                    Double.isNaN(r.ratio()) ? "-" : String.format(Locale.ROOT, "%.2f", r.ratio()),
                    String.format(Locale.ROOT, "%.1f", r.modelGflops()),
                    String.format(Locale.ROOT, "%.1f", r.peakGflops()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * r.peakShare()),
                    r.hashSame() == null ? "-" : r.hashSame() ? "yes" : "NO",
                    r.allocPerStep() < 0 ? "-" : bytes(r.allocPerStep()),
                    r.meetsGoal() ? "met" : "no"});
        }
        return grid(cells) + goalLine(rows) + "\n";
    }

    /** Left-aligned first column, right-aligned numbers, two spaces between columns. */
    public static String grid(List<String[]> cells) {
        int cols = cells.get(0).length;
        int[] w = new int[cols];
        for (String[] row : cells) {
            for (int c = 0; c < cols; c++) {
                w[c] = Math.max(w[c], row[c].length());
            }
        }
        StringBuilder s = new StringBuilder();
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                if (c > 0) {
                    line.append("  ");
                }
                String v = row[c];
                String pad = " ".repeat(w[c] - v.length());
                line.append(c == 0 ? v + pad : pad + v);
            }
            s.append(line.toString().stripTrailing()).append('\n');
        }
        return s.toString();
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    static String bytes(long b) {
        if (b < 10_000) {
            return b + " B";
        }
        if (b < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f KB", b / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
    }

    /** Median of the values (mean of the two middle ones for an even count); NaN when empty. */
    public static double median(List<Double> xs) {
        List<Double> v = xs.stream().filter(d -> !Double.isNaN(d)).sorted().toList();
        if (v.isEmpty()) {
            return Double.NaN;
        }
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }
}

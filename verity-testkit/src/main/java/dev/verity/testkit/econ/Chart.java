package dev.verity.testkit.econ;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The run's PNG: a solver's mean net per task (95% confidence bars) against the share of the work it skipped, and each
 * solver strategy's mean net against the share of its task's seats that went to lazy verifiers.
 */
final class Chart {
    /** A point needs this many samples to be drawn (fewer give no useful interval). */
    static final int MIN_POINT_SAMPLES = 3;

    private Chart() {}

    static void write(Simulation.Result r, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path dir = png.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        BitmapEncoder.saveBitmap(List.of(bySkipped(r), byLazyShare(r)), 1, 2, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart base(String title, String x) {
        XYChart c = new XYChartBuilder().width(720).height(480).title(title).xAxisTitle(x).yAxisTitle("mean net VRT per task").build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSW);
        c.getStyler().setXAxisDecimalPattern("0.00");
        c.getStyler().setYAxisDecimalPattern("#,##0");
        return c;
    }

    private static XYChart bySkipped(Simulation.Result r) {
        XYChart c = base("Solver profit against the work skipped", "share of the training skipped");
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        List<Double> e = new ArrayList<>();
        for (Strategy s : Strategy.SOLVERS) {
            Sample p = r.profit().get(s);
            if (p.n() < MIN_POINT_SAMPLES) continue;
            x.add(s.skipped);
            y.add(p.mean());
            e.add(p.halfWidth());
        }
        if (!x.isEmpty()) c.addSeries("solver (rules: " + r.settings().rules().name() + ")", x, y, e).setMarker(SeriesMarkers.CIRCLE);
        c.addSeries("break-even", List.of(0.0, 1.0), List.of(0.0, 0.0)).setMarker(SeriesMarkers.NONE).setLineColor(Color.GRAY);
        return c;
    }

    private static XYChart byLazyShare(Simulation.Result r) {
        XYChart c = base("Solver profit against the share of lazy seats", "share of the task's seats held by lazy verifiers");
        for (Strategy s : Strategy.SOLVERS) {
            Sample[] by = r.byLazySeats().get(s);
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            List<Double> e = new ArrayList<>();
            for (int k = 0; k < by.length; k++) {
                if (by[k].n() < MIN_POINT_SAMPLES) continue;
                x.add((double) k / TaskRound.SEATS);
                y.add(by[k].mean());
                e.add(by[k].halfWidth());
            }
            if (!x.isEmpty()) c.addSeries(s.label, x, y, e).setMarker(SeriesMarkers.CIRCLE);
        }
        return c;
    }
}

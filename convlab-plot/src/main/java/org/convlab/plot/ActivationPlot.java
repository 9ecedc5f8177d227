package org.convlab.plot;

import org.convlab.ops.ActivationFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Activation functions as curves (the author's {@code plot_activations()}): one XChart plot per
 * function, titled with its name and formula, axes labelled x and y, optionally with the
 * derivative as a second curve; the plots are laid out in a grid.
 */
public final class ActivationPlot {
    private static final int CHART_WIDTH = 460;
    private static final int CHART_HEIGHT = 320;
    private static final int COLUMNS = 3;
    private static final int POINTS = 800;
    private static final int DETAIL_POINTS = 400;

    private ActivationPlot() {
    }

    /** One chart for {@code f} over [from, to). */
    public static XYChart chart(ActivationFunction f, double from, double to, boolean derivative) {
        XYChart chart = new XYChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT)
                .title(f.keyword() + ": " + f.formula()).xAxisTitle("x").yAxisTitle("y").build();
        double[] xs = samples(from, to);
        double[] ys = new double[xs.length];
        double[] ds = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            ys[i] = f.apply(xs[i]);
            ds[i] = f.derivative(xs[i]);
        }
        chart.addSeries("f(x)", xs, ys).setMarker(SeriesMarkers.NONE).setLineColor(new Color(31, 119, 180));
        if (derivative) {
            chart.addSeries("f'(x)", xs, ds).setMarker(SeriesMarkers.NONE).setLineColor(new Color(255, 127, 14));
        }
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendVisible(derivative);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisDecimalPattern("0.##");
        chart.getStyler().setXAxisMin(from);
        chart.getStyler().setXAxisMax(to);
        chart.getStyler().setYAxisDecimalPattern("0.##");
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(13f));
        return chart;
    }

    /**
     * A uniform grid over [from, to) plus a denser one over the middle fifth, where the curves bend
     * (ReLU's kink, the sigmoid's slope). The uneven spacing also keeps XChart from putting its
     * ticks on data points, which it does for evenly spaced values, instead of on round numbers.
     */
    static double[] samples(double from, double to) {
        double mid = (from + to) / 2;
        double half = (to - from) / 10;
        return java.util.stream.DoubleStream.concat(
                        java.util.stream.IntStream.range(0, POINTS).mapToDouble(i -> from + (to - from) * i / POINTS),
                        java.util.stream.IntStream.range(0, DETAIL_POINTS).mapToDouble(i -> mid - half + 2 * half * i / DETAIL_POINTS))
                .sorted().distinct().toArray();
    }

    /** All the requested functions' charts in one picture, three to a row. */
    public static BufferedImage render(List<ActivationFunction> functions, double from, double to, boolean derivative) {
        List<BufferedImage> charts = new ArrayList<>();
        for (ActivationFunction f : functions) {
            charts.add(BitmapEncoder.getBufferedImage(chart(f, from, to, derivative)));
        }
        int cols = Math.min(COLUMNS, charts.size());
        int rows = (charts.size() + cols - 1) / cols;
        BufferedImage out = new BufferedImage(cols * CHART_WIDTH, rows * CHART_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            g.drawImage(charts.get(i), (i % cols) * CHART_WIDTH, (i / cols) * CHART_HEIGHT, null);
        }
        g.dispose();
        return out;
    }
}

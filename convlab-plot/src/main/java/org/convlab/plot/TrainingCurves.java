package org.convlab.plot;

import org.convlab.train.EpochMetrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Loss and accuracy per epoch, training against validation, side by side (XChart). */
public final class TrainingCurves {
    private static final int WIDTH = 560;
    private static final int HEIGHT = 380;

    private TrainingCurves() {
    }

    public static BufferedImage render(List<EpochMetrics> history, String title) {
        // Losses fall and accuracies rise: each legend goes where its curves are not.
        XYChart loss = chart(title + ": loss", "cross-entropy", history, EpochMetrics::trainLoss, EpochMetrics::valLoss,
                Styler.LegendPosition.InsideNE);
        XYChart acc = chart(title + ": accuracy", "accuracy", history, EpochMetrics::trainAccuracy, EpochMetrics::valAccuracy,
                Styler.LegendPosition.InsideSE);
        BufferedImage out = new BufferedImage(2 * WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(BitmapEncoder.getBufferedImage(loss), 0, 0, null);
        g.drawImage(BitmapEncoder.getBufferedImage(acc), WIDTH, 0, null);
        g.dispose();
        return out;
    }

    private static XYChart chart(String title, String yTitle, List<EpochMetrics> history,
                                 ToDoubleFunction<EpochMetrics> train, ToDoubleFunction<EpochMetrics> val,
                                 Styler.LegendPosition legend) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        double[] epochs = history.stream().mapToDouble(EpochMetrics::epoch).toArray();
        chart.addSeries("train", epochs, history.stream().mapToDouble(train).toArray()).setLineColor(new Color(31, 119, 180));
        chart.addSeries("validation", epochs, history.stream().mapToDouble(val).toArray()).setLineColor(new Color(255, 127, 14));
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(legend);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setYAxisDecimalPattern("0.###");
        return chart;
    }
}

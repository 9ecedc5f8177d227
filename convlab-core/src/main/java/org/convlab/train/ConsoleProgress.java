package org.convlab.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The command line's view of a run: a {@link ProgressBar} per epoch (images/s, ETA, running loss)
 * and one line of figures after it, on {@code out}.
 */
public final class ConsoleProgress implements TrainingListener {
    private final PrintStream out;
    private final boolean interactive;
    private ProgressBar bar;

    /** Redraws in place when {@code interactive} (a terminal); else prints a line per tenth of the epoch. */
    public ConsoleProgress(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** On standard error, interactive when there is a console. */
    public static ConsoleProgress onStandardError() {
        return new ConsoleProgress(System.err, System.console() != null);
    }

    @Override
    public void onMessage(String line) {
        out.println(line);
    }

    @Override
    public void onEpochStart(int epoch, int epochs, long images) {
        bar = new ProgressBar(out, String.format("epoch %d/%d", epoch, epochs), images, interactive);
    }

    @Override
    public void onBatch(int epoch, int epochs, long done, double meanLoss) {
        bar.update(done, Double.isNaN(meanLoss) ? "" : String.format(Locale.US, "loss %.4f", meanLoss));
    }

    @Override
    public void onEpochEnd(EpochMetrics m, int epochs) {
        out.printf(Locale.US, "epoch %d/%d  train loss %.4f acc %.4f  val loss %.4f acc %.4f  %.0f img/s  %s%n",
                m.epoch(), epochs, m.trainLoss(), m.trainAccuracy(), m.valLoss(), m.valAccuracy(), m.imagesPerSecond(),
                ProgressBar.clock(Math.round(m.seconds())));
    }
}

package org.convlab.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with images/s, ETA and running figures. On a terminal it redraws in
 * place; when output goes to a file or pipe it prints a line at every tenth of the work instead.
 */
public final class ProgressBar {
    private static final int WIDTH = 28;
    private final PrintStream out;
    private final String title;
    private final long total;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;

    public ProgressBar(PrintStream out, String title, long total, boolean interactive) {
        this.out = out;
        this.title = title;
        this.total = Math.max(1, total);
        this.interactive = interactive;
    }

    /** Reports {@code done} items and a free-form tail such as "loss 0.41". */
    public void update(long done, String tail) {
        long now = System.nanoTime();
        int decile = (int) (10 * done / total);
        boolean finished = done >= total;
        if (interactive) {
            if (!finished && now - lastDraw < 200_000_000L) {
                return;
            }
            lastDraw = now;
            out.print("\r" + line(done, now, tail) + (finished ? "\n" : ""));
        } else if (decile != lastDecile || finished) {
            lastDecile = decile;
            out.println(line(done, now, tail));
        }
        out.flush();
    }

    String line(long done, long now, String tail) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / seconds;
        long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
        int filled = (int) (WIDTH * Math.min(done, total) / total);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        return String.format(Locale.US, "%s [%s] %d/%d  %.0f img/s  ETA %s  %s", title, bar, done, total, rate,
                clock(eta), tail);
    }

    /** {@code m:ss} or {@code h:mm:ss}. */
    public static String clock(long seconds) {
        return seconds >= 3600 ? String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format("%d:%02d", seconds / 60, seconds % 60);
    }
}

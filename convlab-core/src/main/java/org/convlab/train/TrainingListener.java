package org.convlab.train;

/**
 * What a training run reports while it runs. Every method has an empty default, so a listener
 * takes only what it needs: {@link ConsoleProgress} draws the command line's progress bar, a
 * service might publish metrics, a Spark driver might log per epoch.
 */
public interface TrainingListener {
    /** Says nothing. */
    TrainingListener SILENT = new TrainingListener() {
    };

    /** A line of news for the person watching: what is trained on what, a resume, an early stop. */
    default void onMessage(String line) {
    }

    /** An epoch of {@code images} training images begins. */
    default void onEpochStart(int epoch, int epochs, long images) {
    }

    /** {@code done} of the epoch's images are trained; {@code meanLoss} is the epoch's running mean. */
    default void onBatch(int epoch, int epochs, long done, double meanLoss) {
    }

    /** An epoch ended with these figures (validation included). */
    default void onEpochEnd(EpochMetrics metrics, int epochs) {
    }
}

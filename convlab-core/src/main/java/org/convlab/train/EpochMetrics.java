package org.convlab.train;

/**
 * One epoch's figures. Train loss is the mean of the mini-batch losses during the epoch; train
 * accuracy is measured after the epoch on a fixed sample of training images; validation figures
 * are over the whole validation set. Validation values are NaN when there is none.
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                           double seconds, double imagesPerSecond) {

    public static final String CSV_HEADER = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_sec";

    public String csv() {
        return String.format(java.util.Locale.US, "%d,%.6f,%.6f,%.6f,%.6f,%.2f,%.1f", epoch, trainLoss, trainAccuracy,
                valLoss, valAccuracy, seconds, imagesPerSecond);
    }

    static EpochMetrics parse(String line) {
        String[] f = line.split(",");
        return new EpochMetrics(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]));
    }
}

package org.convlab;

/**
 * A setting a user gives ConvLab, named in error messages. The library words its messages with
 * {@link #word()}; each edge names the setting the way its users give it: the command line as a
 * flag ({@link #flag()}), the HTTP server as a query or field name.
 */
public enum Setting {
    EPOCHS("epochs", "--epochs"),
    BATCH("batch size", "--batch"),
    LEARNING_RATE("learning rate", "--lr"),
    LEARNING_RATE_SCHEDULE("learning-rate schedule", "--lr-schedule"),
    PATIENCE("patience", "--patience"),
    LIMIT("limit", "--limit"),
    RESUME("resume", "--resume"),
    FRESH("fresh start", "--fresh"),
    NAME("model name", "--name"),
    REGISTRY("registry", "--registry"),
    INPUT("input size", "--input"),
    TOP("top", "--top"),
    PADDING("padding", "--padding"),
    WINDOW_SIZE("window size", "--size"),
    BACKEND("backend", "--backend"),
    SPARK("Spark", "--spark"),
    SPARK_MODE("Spark mode", "--spark-mode"),
    SPARK_DATA("Spark data", "--spark-data"),
    PRECISION("precision", "--precision"),
    TTA("test-time augmentation", "--tta"),
    FROM("base model", "--from"),
    FREEZE("frozen layers", "--freeze"),
    ARCHITECTURE("architecture", "--arch");

    private final String word;
    private final String flag;

    Setting(String word, String flag) {
        this.word = word;
        this.flag = flag;
    }

    /** How the library names it: "learning rate". */
    public String word() {
        return word;
    }

    /** How the command line names it: "--lr". */
    public String flag() {
        return flag;
    }
}

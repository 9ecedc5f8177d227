package org.convlab.arch;

import org.convlab.ConvLabException;

/** Each layer type's JSON name and its Keras names (automatic layer-name prefix and class name). */
public enum LayerKind {
    CONV2D("conv2d", "conv2d", "Conv2D"),
    MAX_POOL("max_pool", "max_pooling2d", "MaxPooling2D"),
    AVG_POOL("avg_pool", "average_pooling2d", "AveragePooling2D"),
    SUM_POOL("sum_pool", "sum_pooling2d", "SumPooling2D"),
    FLATTEN("flatten", "flatten", "Flatten"),
    DENSE("dense", "dense", "Dense"),
    DROPOUT("dropout", "dropout", "Dropout"),
    BATCH_NORM("batch_norm", "batch_normalization", "BatchNormalization");

    private final String jsonName;
    private final String kerasPrefix;
    private final String kerasType;

    LayerKind(String jsonName, String kerasPrefix, String kerasType) {
        this.jsonName = jsonName;
        this.kerasPrefix = kerasPrefix;
        this.kerasType = kerasType;
    }

    public String jsonName() {
        return jsonName;
    }

    public String kerasPrefix() {
        return kerasPrefix;
    }

    public String kerasType() {
        return kerasType;
    }

    public static LayerKind ofJsonName(String name) {
        for (LayerKind k : values()) {
            if (k.jsonName.equals(name)) {
                return k;
            }
        }
        throw new ConvLabException("unknown layer type '" + name + "'; known types: " + LayerSpec.KNOWN_TYPES);
    }
}

package org.convlab.arch;

import org.convlab.ConvLabException;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

/**
 * Each layer type's names: in a spec's JSON, and in Keras (the automatic layer-name prefix and
 * the class name the summary prints). A type's shape rule and DL4J layers are its spec record's
 * ({@link LayerSpec}); adding a type is a record, a constant here and its JSON registration.
 */
public enum LayerKind {
    CONV2D("conv2d", "conv2d", "Conv2D"),
    MAX_POOL("max_pool", "max_pooling2d", "MaxPooling2D"),
    AVG_POOL("avg_pool", "average_pooling2d", "AveragePooling2D"),
    SUM_POOL("sum_pool", "sum_pooling2d", "SumPooling2D"),
    FLATTEN("flatten", "flatten", "Flatten"),
    DENSE("dense", "dense", "Dense"),
    DROPOUT("dropout", "dropout", "Dropout"),
    BATCH_NORM("batch_norm", "batch_normalization", "BatchNormalization"),
    ACTIVATION("activation", "activation", "Activation"),
    GLOBAL_AVG_POOL("global_avg_pool", "global_average_pooling2d", "GlobalAveragePooling2D"),
    ADD("add", "add", "Add"),
    CONCAT("concat", "concatenate", "Concatenate");

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

    /**
     * The kind of a DL4J graph vertex, for graphs ConvLab did not build itself (imported, loaded);
     * null for a vertex that is none of these.
     */
    public static LayerKind ofDl4j(GraphVertex vertex) {
        if (vertex instanceof PreprocessorVertex) {
            return FLATTEN;
        }
        if (vertex instanceof ScaleVertex) {
            return SUM_POOL;
        }
        if (vertex instanceof ElementWiseVertex e && e.getOp() == ElementWiseVertex.Op.Add) {
            return ADD;
        }
        if (vertex instanceof MergeVertex) {
            return CONCAT;
        }
        if (!(vertex instanceof LayerVertex lv)) {
            return null;
        }
        Layer layer = lv.getLayerConf().getLayer();
        if (layer instanceof ConvolutionLayer) {
            return CONV2D;
        }
        if (layer instanceof SubsamplingLayer s) {
            return s.getPoolingType() == PoolingType.MAX ? MAX_POOL : AVG_POOL;
        }
        if (layer instanceof DenseLayer || layer instanceof BaseOutputLayer) {
            return DENSE;
        }
        if (layer instanceof DropoutLayer) {
            return DROPOUT;
        }
        if (layer instanceof BatchNormalization) {
            return BATCH_NORM;
        }
        if (layer instanceof ActivationLayer) {
            return ACTIVATION;
        }
        if (layer instanceof GlobalPoolingLayer g && g.getPoolingType() == PoolingType.AVG) {
            return GLOBAL_AVG_POOL;
        }
        return null;
    }

    /** Every JSON type name, as error messages list them. */
    static String jsonNames() {
        return String.join(", ", java.util.Arrays.stream(values()).map(LayerKind::jsonName).toList());
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

package org.convlab.arch;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's activation layer, computed into a new array at inference as in training. DL4J's own
 * applies the function in place on its input when not training, which changes what every other
 * reader of that input sees: a ReLU after a residual add zeroed the add's output that a concat
 * also read ({@code GraphSpecTest}).
 */
public class OutOfPlaceActivationLayer extends ActivationLayer {

    /** For DL4J's JSON. */
    public OutOfPlaceActivationLayer() {
    }

    public OutOfPlaceActivationLayer(IActivation function) {
        super(function);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index, INDArray paramsView,
                             boolean initializeParams, DataType dataType) {
        Activation layer = new Activation(conf, dataType);
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    /** The layer itself: a copy of the input, then the function on the copy. */
    static final class Activation extends org.deeplearning4j.nn.layers.ActivationLayer {
        Activation(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
            if (training) {
                return super.activate(true, mgr); // DL4J copies there already, keeping the input for backprop
            }
            assertInputSet(false);
            return layerConf().getActivationFn().getActivation(mgr.dup(ArrayType.ACTIVATIONS, input, input.ordering()), false);
        }
    }
}

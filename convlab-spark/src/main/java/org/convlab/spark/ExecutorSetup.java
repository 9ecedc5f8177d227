package org.convlab.spark;

import org.convlab.runtime.Networks;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Runs on Spark's executors: DL4J deserializes (or rebuilds) the network there, so ConvLab's
 * runtime door ({@link Networks#adopt}) has to be passed again, once per network, or the workers
 * would train on DL4J's slower code (libnd4j's own convolution loops: a shared run here went from
 * 35 to 87 img/s once every trainer had ConvLab's).
 * Parameter averaging calls it as a {@link TrainingHook} before each step; gradient sharing calls
 * no hooks, only the network's listeners, so there it adopts the network after its first step.
 */
final class ExecutorSetup extends BaseTrainingListener implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private static final Set<Model> ADOPTED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private static final java.util.concurrent.atomic.AtomicInteger COUNT = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        adopt(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        adopt(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        // nothing after a step
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        // nothing after a step
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        adopt(model); // between two steps: no forward pass is waiting for its backward
    }

    private static void adopt(Model model) {
        if (model instanceof ComputationGraph graph && ADOPTED.add(graph)) {
            Networks.adopt(graph);
            COUNT.incrementAndGet();
        }
    }

    /** Networks adopted in this JVM so far (an executor's; in local mode, the driver's too). */
    static int adoptedCount() {
        return COUNT.get();
    }
}

package org.convlab.train;

import org.convlab.BadSettingException;
import org.convlab.Setting;
import org.convlab.arch.WeightInitName;

import java.nio.file.Path;

/**
 * Settings of a training run, DJL-style: {@link #builder()} then {@code opt*} calls over sensible
 * defaults (3 epochs, batch 32, Adam 1e-3, He-uniform weights, seed 42, patience 3, 10% of the
 * training data held out when the source has no validation set).
 *
 * <p>He rather than Keras' Glorot initialisation by default: measured here, the seed
 * architecture (11 ReLU convolutions, no normalisation) on Fashion-MNIST scaled to 0..1 stayed at
 * chance (loss 2.303) for a whole epoch with Glorot weights.
 */
public record TrainingOptions(int epochs, int batch, double learningRate, LearningRateSchedule learningRateSchedule, WeightInitName weightInit, long seed, int patience, boolean augment,
                              Integer limit, double validationFraction, Path checkpointDir, boolean resume,
                              boolean fresh, boolean preciseBatchNorm) {

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int epochs = 3;
        private int batch = 32;
        private double learningRate = 1e-3;
        private LearningRateSchedule learningRateSchedule = LearningRateSchedule.CONSTANT;
        private WeightInitName weightInit = WeightInitName.HE_UNIFORM;
        private long seed = 42;
        private int patience = 3;
        private boolean augment;
        private Integer limit;
        private double validationFraction = 0.1;
        private Path checkpointDir;
        private boolean resume;
        private boolean fresh;
        private boolean preciseBatchNorm = true;

        public Builder optEpochs(int n) {
            if (n < 1) {
                throw new BadSettingException(Setting.EPOCHS, "%s must be at least 1, received " + n);
            }
            epochs = n;
            return this;
        }

        public Builder optBatch(int n) {
            if (n < 1) {
                throw new BadSettingException(Setting.BATCH, "%s must be at least 1, received " + n);
            }
            batch = n;
            return this;
        }

        public Builder optLearningRate(double lr) {
            if (!(lr > 0 && lr < 10)) {
                throw new BadSettingException(Setting.LEARNING_RATE, "%s must be above 0 (and sensible, below 10), received " + lr);
            }
            learningRate = lr;
            return this;
        }

        /** How the rate moves from {@code --lr} over the run (default constant). */
        public Builder optLearningRateSchedule(LearningRateSchedule s) {
            learningRateSchedule = s;
            return this;
        }

        /** How weights start; default He uniform (see {@link WeightInitName}). */
        public Builder optWeightInit(WeightInitName init) {
            weightInit = init;
            return this;
        }

        public Builder optSeed(long s) {
            seed = s;
            return this;
        }

        /** Stop after this many epochs without a better validation loss; 0 turns early stopping off. */
        public Builder optPatience(int p) {
            if (p < 0) {
                throw new BadSettingException(Setting.PATIENCE, "%s must be 0 (off) or more, received " + p);
            }
            patience = p;
            return this;
        }

        public Builder optAugment(boolean a) {
            augment = a;
            return this;
        }

        public Builder optLimit(Integer n) {
            limit = n;
            return this;
        }

        public Builder optValidationFraction(double f) {
            validationFraction = f;
            return this;
        }

        /** Where checkpoints go (one per finished epoch); none when null. */
        public Builder optCheckpointDir(Path dir) {
            checkpointDir = dir;
            return this;
        }

        /** Discard a checkpoint an interrupted run of the same name left, instead of refusing to start. */
        public Builder optFresh(boolean f) {
            fresh = f;
            return this;
        }

        /**
         * After the last epoch, set batch norm's running mean and variance to the statistics of
         * training images under the final weights (default on): Keras' moving average (momentum
         * 0.99) still lags the weights on short runs. See {@link BatchNormRecalibration}.
         */
        public Builder optPreciseBatchNorm(boolean p) {
            preciseBatchNorm = p;
            return this;
        }

        /** Continue an interrupted run from its last checkpoint. */
        public Builder optResume(boolean r) {
            resume = r;
            return this;
        }

        public TrainingOptions build() {
            if (resume && fresh) {
                throw new BadSettingException("%1$s and %2$s exclude each other: continue the interrupted run, or start over",
                        Setting.RESUME, Setting.FRESH);
            }
            if (resume && checkpointDir == null) {
                throw new BadSettingException(Setting.RESUME, "%s needs a checkpoint folder");
            }
            return new TrainingOptions(epochs, batch, learningRate, learningRateSchedule, weightInit, seed, patience, augment, limit, validationFraction,
                    checkpointDir, resume, fresh, preciseBatchNorm);
        }
    }
}

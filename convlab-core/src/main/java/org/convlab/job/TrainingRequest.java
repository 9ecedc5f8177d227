package org.convlab.job;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.InputShape;
import org.convlab.data.DataSource;
import org.convlab.train.TrainingOptions;
import org.convlab.zoo.ModelRegistry;

/**
 * What to train, on what, and under which name: the input of {@link TrainingJob}. Built DJL style,
 * {@code set*} for what is required, {@code opt*} over defaults.
 *
 * <pre>{@code
 * TrainingRequest request = TrainingRequest.builder()
 *         .setArchitecture(Architectures.get("fruits-cnn"))
 *         .setData(DataSource.fashionMnist())
 *         .setName("fashion-cnn")
 *         .optOptions(TrainingOptions.builder().optEpochs(2).build())
 *         .build();
 * }</pre>
 *
 * @param input      bring images to this shape (null: the data's own; generated data: the architecture's)
 * @param validation a separate validation source, or null for the source's own or a held-out share
 * @param test       a separate test source, or null for the source's own (if any)
 * @param figures    pictures drawn beside the stored model ({@link RunFigures#NONE} by default)
 * @param fineTuning the stored model the run starts from, or null for new weights
 */
public record TrainingRequest(ArchitectureSpec architecture, DataSource data, String name, DataSource validation,
                              DataSource test, InputShape input, TrainingOptions options, RunFigures figures,
                              FineTuning fineTuning) {

    public static Builder builder() {
        return new Builder();
    }

    /** The shape images are brought to before the architecture is fitted to them (null: the data's own). */
    public InputShape requestedShape() {
        if (fineTuning != null) {
            return fineTuning.base().card().input();
        }
        return input != null ? input : data.root() instanceof DataSource.Synthetic ? architecture.input() : null;
    }

    public static final class Builder {
        private ArchitectureSpec architecture;
        private DataSource data;
        private String name;
        private DataSource validation;
        private DataSource test;
        private InputShape input;
        private TrainingOptions options = TrainingOptions.builder().build();
        private RunFigures figures = RunFigures.NONE;
        private FineTuning fineTuning;

        public Builder setArchitecture(ArchitectureSpec spec) {
            architecture = spec;
            return this;
        }

        public Builder setData(DataSource source) {
            data = source;
            return this;
        }

        /** The registry name the model is stored under. */
        public Builder setName(String modelName) {
            name = ModelRegistry.checkName(modelName);
            return this;
        }

        public Builder optValidation(DataSource source) {
            validation = source;
            return this;
        }

        public Builder optTest(DataSource source) {
            test = source;
            return this;
        }

        public Builder optInput(InputShape shape) {
            input = shape;
            return this;
        }

        public Builder optOptions(TrainingOptions trainingOptions) {
            options = trainingOptions;
            return this;
        }

        /** Pictures to store beside the model, e.g. {@code org.convlab.plot.RunPictures.INSTANCE}. */
        public Builder optFigures(RunFigures drawer) {
            figures = drawer;
            return this;
        }

        /**
         * Starts from a stored model instead of new weights: its architecture, input size and preprocessing
         * (an architecture or input given as well must be the base's).
         */
        public Builder setFineTuning(FineTuning start) {
            fineTuning = start;
            return this;
        }

        public TrainingRequest build() {
            if (fineTuning != null) {
                checkAgainstBase();
            }
            ArchitectureSpec spec = architecture != null ? architecture : fineTuning != null ? fineTuning.architecture() : null;
            if (spec == null || data == null || name == null) {
                throw new ConvLabException("a training request needs an architecture (or a model to fine-tune), a data source and a name");
            }
            return new TrainingRequest(spec, data, name, validation, test, input, options, figures, fineTuning);
        }

        /** A fine-tuning run takes the base's architecture and input size: others given are refused, not ignored. */
        private void checkAgainstBase() {
            ArchitectureSpec own = fineTuning.architecture();
            String base = fineTuning.base().ref();
            if (architecture != null && !architecture.withInput(own.input()).withClasses(own.classes()).layers().equals(own.layers())) {
                throw new BadSettingException(Setting.ARCHITECTURE, "%s " + BadSettingException.literal(architecture.name())
                        + " is not the architecture of " + base + " (" + BadSettingException.literal(own.name())
                        + "); leave %s out: a fine-tuned model keeps its base's layers");
            }
            if (input != null && !input.equals(own.input())) {
                throw new BadSettingException(Setting.INPUT, "%s " + input + ": " + base + " takes " + own.input()
                        + " images; leave %s out: a fine-tuned model keeps its base's input size");
            }
        }
    }
}

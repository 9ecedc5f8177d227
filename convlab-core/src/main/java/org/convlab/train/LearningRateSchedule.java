package org.convlab.train;

import org.convlab.BadSettingException;
import org.convlab.Setting;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.Locale;

/** How the learning rate moves during a run: {@code constant} (Keras' default) or {@code cosine} down to 0 by the last epoch. */
public enum LearningRateSchedule {
    CONSTANT,
    COSINE;

    /** ND4J's schedule for a run of {@code iterations} minibatches; null for a constant rate. */
    public ISchedule dl4j(double initial, int iterations) {
        return this == COSINE ? new CosineSchedule(initial, iterations) : null;
    }

    public static LearningRateSchedule parse(String text) {
        for (LearningRateSchedule s : values()) {
            if (s.toString().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new BadSettingException(Setting.LEARNING_RATE_SCHEDULE, "%s '" + BadSettingException.literal(text)
                + "' is not known; use constant or cosine");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}

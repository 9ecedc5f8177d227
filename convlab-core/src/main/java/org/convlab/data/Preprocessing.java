package org.convlab.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import org.convlab.ConvLabException;
import org.convlab.arch.InputShape;

import java.util.Locale;

/**
 * How a decoded image becomes a network's input, as data stored with the model (as torchvision's
 * weights carry their transforms): resize to {@code height x width} ({@code stretch}: both sides
 * to size, aspect ratio not kept), put the channels in {@code channels} order ({@code grey},
 * {@code rgb} or {@code bgr}), divide every value by {@code divideBy}. {@link Preprocessor}
 * is its one implementation, for training data, prediction, pictures, serving and export alike.
 *
 * <pre>{@code
 * Preprocessing p = Preprocessing.standard(new InputShape(28, 28, 1));   // grey, / 255
 * Preprocessing keras = new Preprocessing(100, 100, Preprocessing.Channels.RGB, "stretch", 1);  // raw RGB pixels
 * }</pre>
 */
@JsonPropertyOrder({"height", "width", "channels", "resize", "divideBy", "layout"})
public record Preprocessing(int height, int width, Channels channels, String resize, double divideBy, Layout layout) {
    public static final String STRETCH = "stretch";

    /** The order of an image's channels, as the network expects them. */
    public enum Channels {
        GREY, RGB, BGR;

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public int count() {
            return this == GREY ? 1 : 3;
        }

        /** "grey", "rgb" or "bgr"; also the prose of cards written before preprocessing was data. */
        public static Channels parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            for (Channels c : values()) {
                if (t.equals(c.label()) || t.startsWith(c.label() + " ")) {
                    return c;
                }
            }
            throw new ConvLabException("channel order '" + text + "' is not known; use grey, rgb or bgr");
        }
    }

    /** How the network wants its input laid out: channels first (ConvLab's own) or last (Keras' models). */
    public enum Layout {
        NCHW, NHWC;

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Channels-first input, as every network ConvLab builds takes it. */
    public Preprocessing(int height, int width, Channels channels, String resize, double divideBy) {
        this(height, width, channels, resize, divideBy, Layout.NCHW);
    }

    public Preprocessing {
        layout = layout == null ? Layout.NCHW : layout;
        if (height < 0 || width < 0 || !(divideBy > 0)) {
            throw new ConvLabException("preprocessing needs a size of at least 1x1 and a divisor above 0, received "
                    + height + "x" + width + " and " + divideBy);
        }
        if (!STRETCH.equals(resize)) {
            throw new ConvLabException("resize '" + resize + "' is not known; ConvLab resizes by '" + STRETCH + "'");
        }
    }

    /**
     * ConvLab's own pipeline, which every model it trains records: images in DataVec's loader order
     * (BGR, or grey for one channel), values divided by 255 to 0..1.
     */
    public static Preprocessing standard(InputShape input) {
        return new Preprocessing(input.height(), input.width(), input.channels() == 1 ? Channels.GREY : Channels.BGR,
                STRETCH, 255);
    }

    /**
     * Reads both this form and the prose of earlier cards ({@code "channels": "BGR (OpenCV order)",
     * "scale": "x / 255 -> 0..1"}, no size: the card's input fills it in, see {@link #withSize}).
     */
    @JsonCreator
    static Preprocessing fromJson(@JsonProperty("height") Integer height, @JsonProperty("width") Integer width,
                                  @JsonProperty("channels") String channels, @JsonProperty("resize") String resize,
                                  @JsonProperty("divideBy") Double divideBy, @JsonProperty("scale") String legacyScale,
                                  @JsonProperty("layout") String layout) {
        if (channels == null) {
            throw new ConvLabException("preprocessing has no 'channels' (grey, rgb or bgr)");
        }
        double divisor = divideBy != null ? divideBy
                : legacyScale != null && legacyScale.contains("255") ? 255 : legacyScale != null ? 1 : Double.NaN;
        if (Double.isNaN(divisor)) {
            throw new ConvLabException("preprocessing has no 'divideBy' (255 for pixels scaled to 0..1, 1 for raw pixels)");
        }
        Layout order = layout == null ? Layout.NCHW : "nhwc".equalsIgnoreCase(layout) ? Layout.NHWC : "nchw".equalsIgnoreCase(layout)
                ? Layout.NCHW : null;
        if (order == null) {
            throw new ConvLabException("preprocessing layout '" + layout + "' is not known; use nchw or nhwc");
        }
        return new Preprocessing(height == null ? 0 : height, width == null ? 0 : width, Channels.parse(channels),
                resize == null || resize.startsWith("to ") ? STRETCH : resize, divisor, order);
    }

    /** Whether the size is known (cards written before preprocessing was data lack it). */
    @JsonIgnore
    public boolean hasSize() {
        return height > 0 && width > 0;
    }

    /** The same steps at the size of {@code input}. */
    public Preprocessing withSize(InputShape input) {
        return new Preprocessing(input.height(), input.width(), channels, resize, divideBy, layout);
    }

    /** The shape of the network's input this produces. */
    public InputShape input() {
        return new InputShape(height, width, channels.count());
    }
}

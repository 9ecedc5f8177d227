package org.convlab;

import java.util.List;
import java.util.function.Function;

/**
 * Bad input that a setting can fix. The message is a template with {@code %s} wherever the
 * setting is named, so the library says "learning rate must be above 0" and the command line
 * "--lr must be above 0", from one throw.
 *
 * <pre>{@code
 * throw new BadSettingException(Setting.TOP, "%s must be at least 1, received " + top);
 * e.getMessage();                    // "top must be at least 1, received 0"
 * e.messageNaming(Setting::flag);    // "--top must be at least 1, received 0"
 * }</pre>
 */
public class BadSettingException extends ConvLabException {
    private final List<Setting> settings;
    private final String template;

    /** One setting, named wherever the template says {@code %s}. */
    public BadSettingException(Setting setting, String template) {
        this(template, List.of(setting));
    }

    /** Several settings: {@code %1$s} is the first, {@code %2$s} the second ("add --resume or --fresh"). */
    public BadSettingException(String template, Setting... settings) {
        this(template, List.of(settings));
    }

    private BadSettingException(String template, List<Setting> settings) {
        super(format(template, settings, Setting::word));
        this.settings = settings;
        this.template = template;
    }

    /** The first setting that can fix it. */
    public Setting setting() {
        return settings.get(0);
    }

    /** The message with the settings named as {@code naming} says. */
    public String messageNaming(Function<Setting, String> naming) {
        return format(template, settings, naming);
    }

    private static String format(String template, List<Setting> settings, Function<Setting, String> naming) {
        if (settings.size() == 1) {
            return String.format(template, repeat(naming.apply(settings.get(0)), template));
        }
        return String.format(template, settings.stream().map(naming).toArray());
    }

    /** Text for a template that must appear as it is ('%' doubled): paths, names, user input. */
    public static String literal(Object text) {
        return String.valueOf(text).replace("%", "%%");
    }

    private static Object[] repeat(String name, String template) {
        int count = template.split("%s", -1).length - 1;
        Object[] names = new Object[count];
        java.util.Arrays.fill(names, name);
        return names;
    }
}

package org.convlab;

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
    private final Setting setting;
    private final String template;

    public BadSettingException(Setting setting, String template) {
        super(String.format(template, repeat(setting.word(), template)));
        this.setting = setting;
        this.template = template;
    }

    public Setting setting() {
        return setting;
    }

    /** The message with the setting named as {@code naming} says. */
    public String messageNaming(Function<Setting, String> naming) {
        return String.format(template, repeat(naming.apply(setting), template));
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

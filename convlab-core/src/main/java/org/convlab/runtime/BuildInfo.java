package org.convlab.runtime;

import java.io.IOException;
import java.util.Properties;

/** The versions this build of ConvLab was made with, from {@code version.properties}. */
public final class BuildInfo {
    private BuildInfo() {
    }

    /** DL4J's version, for example {@code 1.0.0-M2.1}. */
    public static String dl4jVersion() {
        return property("dl4j.version");
    }

    /** A version this build was made with ({@code dl4j.version}, {@code cuda.version}); "unknown" when absent. */
    public static String property(String key) {
        Properties p = new Properties();
        try (var in = BuildInfo.class.getResourceAsStream("/org/convlab/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // unknown version
        }
        return p.getProperty(key, "unknown");
    }
}

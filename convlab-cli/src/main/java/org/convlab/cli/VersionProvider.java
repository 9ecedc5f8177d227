package org.convlab.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** {@code convlab --version}: ConvLab's version and the DL4J release it is built on. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/org/convlab/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return new String[] {
            "ConvLab " + p.getProperty("convlab.version", "unknown"),
            "Deeplearning4j " + p.getProperty("dl4j.version", "unknown") + ", Java " + System.getProperty("java.version"),
        };
    }
}

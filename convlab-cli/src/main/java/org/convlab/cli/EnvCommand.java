package org.convlab.cli;

import org.convlab.env.EnvironmentInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code convlab env}: what ConvLab runs on, as recorded in model cards and benchmark output. */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = {"Show what ConvLab runs on: Java, ND4J's backend and build, the CPU, memory and the GPU.",
                "The ND4J native build (oneDNN or cuDNN), the CPU's vector features, threads, memory limits and the GPU"
                        + " where there is one.",
                "Example: scripts/convlab env --backend auto --json"})
final class EnvCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        Map<String, String> env = EnvironmentInfo.describe();
        PrintWriter out = command.commandLine().getOut();
        if (json) {
            out.print(Json.write(env));
        } else {
            int width = env.keySet().stream().mapToInt(String::length).max().orElse(0);
            env.forEach((key, value) -> out.printf("%-" + width + "s  %s%n", key, value));
        }
        out.flush();
        return ConvLab.EXIT_OK;
    }
}

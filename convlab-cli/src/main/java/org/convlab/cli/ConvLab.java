package org.convlab.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.convlab.ConvLabException;
import org.convlab.runtime.Backend;
import org.convlab.runtime.NativeSetup;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;

/**
 * The {@code convlab} command. Each subcommand is a thin shell over a Java API; this class only
 * wires them up and turns failures into exit codes: 0 success, 2 bad usage or bad input (one
 * line on stderr), 1 internal error.
 */
@Command(name = "convlab",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "The convolutional-network tutorial as software, on Deeplearning4j.",
        subcommands = {SummaryCommand.class, ConvCommand.class, PoolCommand.class, KernelsCommand.class,
                ActivationsCommand.class, DataCommand.class, TrainCommand.class, EvaluateCommand.class, PredictCommand.class,
                ModelsCommand.class, SimilarCommand.class, FiltersCommand.class, BenchCommand.class, ServeCommand.class, ImportCommand.class, ExportCommand.class, CalibrateCommand.class, EnvCommand.class, CommandLine.HelpCommand.class})
public final class ConvLab {
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log debug details and print stack traces on errors.")
    void setVerbose(boolean verbose) {
        this.verbose = verbose;
        if (verbose) {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
            ((Logger) LoggerFactory.getLogger("org.convlab")).setLevel(Level.DEBUG);
        }
    }

    private boolean verbose;

    // Read before the command line is parsed (the backend must be chosen before ND4J loads: see
    // backendAsked); declared here so that --help lists it and every command accepts it.
    @Option(names = "--backend", scope = ScopeType.INHERIT, paramLabel = "cpu|cuda|auto",
            description = "Where ND4J runs: cpu (default), cuda (an NVIDIA GPU, -Pcuda build) or auto. Also CONVLAB_BACKEND.")
    String backend;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** The value of {@code --backend B} or {@code --backend=B} anywhere on the line. */
    static java.util.Optional<String> backendAsked(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) {
                break;
            }
            if (args[i].equals("--backend") && i + 1 < args.length) {
                return java.util.Optional.of(args[i + 1]);
            }
            if (args[i].startsWith("--backend=")) {
                return java.util.Optional.of(args[i].substring("--backend=".length()));
            }
        }
        return java.util.Optional.empty();
    }

    /** Runs one command line, writing to the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        ConvLab root = new ConvLab();
        CommandLine cli = new CommandLine(root);
        cli.setOut(out);
        cli.setErr(err);
        // As in most Unix tools, a repeated option takes its last value (scripts add to a default command line).
        cli.setOverwrittenOptionsAllowed(true);
        cli.setParameterExceptionHandler((ex, argv) -> {
            String command = ex.getCommandLine().getCommandSpec().qualifiedName();
            // A range refused by Counts reads as the library's own: "--epochs must be at least 1, received 0".
            String message = ex.getMessage().replaceFirst("^Invalid value for option '(--[\\w-]+)': (must .*)$", "$1 $2");
            err.println(command + ": " + message + " (see '" + command + " --help')");
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            String command = commandLine.getCommandSpec().qualifiedName();
            if (ex instanceof ConvLabException) {
                err.println(command + ": " + Messages.forCommandLine((ConvLabException) ex));
                if (root.verbose) {
                    ex.printStackTrace(err);
                }
                return EXIT_BAD_INPUT;
            }
            java.util.Optional<String> memory = OutOfMemory.explain(ex);
            if (memory.isPresent()) {
                err.println(command + ": " + memory.get());
                return EXIT_BAD_INPUT;
            }
            err.println(command + ": internal error: " + ex + (root.verbose ? "" : " (run with -v for details)"));
            if (root.verbose) {
                ex.printStackTrace(err);
            }
            return EXIT_INTERNAL;
        });
        backendAsked(args).ifPresent(b -> System.setProperty(Backend.PROPERTY, b));
        try {
            // The JVM-wide native switches are the command line's to set (a property given with -D wins).
            NativeSetup.commandLineProperties().forEach((key, value) -> {
                if (System.getProperty(key) == null) {
                    System.setProperty(key, value);
                }
            });
            // Pictures are drawn off screen, also where a display is set.
            if (System.getProperty("java.awt.headless") == null) {
                System.setProperty("java.awt.headless", "true");
            }
            NativeSetup.init();
        } catch (ConvLabException e) {
            err.println("convlab: " + Messages.forCommandLine(e));
            return EXIT_BAD_INPUT;
        }
        try {
            return cli.execute(args);
        } catch (Error e) {
            // picocli passes Errors through; still one line and exit code 1, not a bare stack trace.
            java.util.Optional<String> memory = OutOfMemory.explain(e);
            if (memory.isPresent()) {
                err.println("convlab: " + memory.get());
                return EXIT_BAD_INPUT;
            }
            err.println("convlab: internal error: " + e + (root.verbose ? "" : " (run with -v for details)"));
            if (root.verbose) {
                e.printStackTrace(err);
            }
            return EXIT_INTERNAL;
        }
    }
}

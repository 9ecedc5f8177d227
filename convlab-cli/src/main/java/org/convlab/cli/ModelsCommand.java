package org.convlab.cli;

import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code convlab models list|show|rm}: the registry. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "The model registry: list, show a card, remove a version.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Show.class, ModelsCommand.Remove.class})
final class ModelsCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every stored version with its key figures.")
    static final class ListModels implements Callable<Integer> {
        @Option(names = "--json", description = "Print the cards as JSON.")
        boolean json;

        @Mixin
        RegistryOption registryOption;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            ModelRegistry registry = registryOption.open();
            ModelRegistry.Listing listing = registry.list();
            List<ModelCard> cards = listing.cards();
            PrintWriter out = command.commandLine().getOut();
            if (json) {
                out.print(Json.write(cards));
            } else if (cards.isEmpty()) {
                out.println("no models in " + registry.root() + " (train one with: convlab train)");
            } else {
                out.printf("%-24s %7s  %-10s %-11s %8s  %s%n", "name", "version", "input", "classes", "accuracy", "created");
                for (ModelCard c : cards) {
                    Double acc = c.metrics() == null ? null : c.metrics().getOrDefault("test_accuracy", c.metrics().get("val_accuracy"));
                    out.printf(Locale.US, "%-24s %7d  %-10s %-11d %8s  %s%n", c.name(), c.version(), c.input(), c.labels().size(),
                            acc == null ? "-" : String.format(Locale.US, "%.4f", acc), c.created());
                }
            }
            out.flush();
            // A damaged version is said on stderr and does not hide the healthy ones.
            PrintWriter err = command.commandLine().getErr();
            listing.damaged().forEach(d -> err.println("damaged: " + d));
            err.flush();
            return ConvLab.EXIT_OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "A model's card as JSON.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "NAME[:VERSION]")
        String ref;

        @Mixin
        RegistryOption registryOption;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            command.commandLine().getOut().print(Json.write(registryOption.open().card(ref)));
            command.commandLine().getOut().flush();
            return ConvLab.EXIT_OK;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove one version: NAME:VERSION.")
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "NAME:VERSION")
        String ref;

        @Option(names = "--force", description = "Remove it even if fine-tuned models name it as their base.")
        boolean force;

        @Mixin
        RegistryOption registryOption;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            ModelRegistry.Ref r = ModelRegistry.Ref.parse(ref);
            registryOption.open().remove(r, force);
            command.commandLine().getOut().println("removed " + r.name() + ":" + r.version());
            command.commandLine().getOut().flush();
            return ConvLab.EXIT_OK;
        }
    }
}

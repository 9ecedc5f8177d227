package org.convlab.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every --help shows: whole sentences in the command list, a description for every option, no format slips. */
class HelpTextTest {
    private static List<CommandSpec> all(CommandLine cli) {
        List<CommandSpec> specs = new ArrayList<>(List.of(cli.getCommandSpec()));
        cli.getSubcommands().values().stream().distinct().forEach(sub -> specs.addAll(all(sub)));
        return specs;
    }

    @Test
    void everyCommandOpensWithAWholeSentenceAndEveryOptionIsDescribed() {
        List<String> problems = new ArrayList<>();
        for (CommandSpec spec : all(new CommandLine(new ConvLab()))) {
            String[] description = spec.usageMessage().description();
            if (description.length > 0 && !description[0].strip().endsWith(".")) {
                problems.add(spec.qualifiedName() + ": the line 'convlab --help' shows is cut: " + description[0]);
            }
            for (OptionSpec o : spec.options()) {
                String text = String.join(" ", o.description());
                if (text.isBlank()) {
                    problems.add(spec.qualifiedName() + " " + o.longestName() + ": no description");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void helpPrintsNoWarningAndCountsEpochsRight() {
        // picocli formats descriptions and warns on System.err about a lone '%'.
        java.io.PrintStream before = System.err;
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        ConvLabTest.Result r;
        System.setErr(new java.io.PrintStream(warnings, true));
        try {
            r = ConvLabTest.run("train", "--help");
        } finally {
            System.setErr(before);
        }
        assertEquals(0, r.code());
        assertEquals("", warnings.toString() + r.err());
        int epochs = TrainCommand.DEFAULT_EPOCHS;
        assertTrue(r.out().contains("for " + epochs + (epochs == 1 ? " epoch " : " epochs ")), r.out());
        assertTrue(r.out().contains("--backend=cpu|cuda|auto"), "every command lists --backend: " + r.out());
    }
}

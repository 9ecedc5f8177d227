package org.convlab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes {@code docs/commands.md}: every command's {@code --help}, as picocli renders it from the same model the
 * command line parses with, so the reference cannot say other than the commands do. {@code CommandReferenceTest}
 * fails when the file in the tree is not what this writes.
 *
 * <pre>{@code
 * java -cp "convlab-cli/target/classes:convlab-cli/target/lib/*" org.convlab.cli.CommandReference docs/commands.md
 * }</pre>
 */
public final class CommandReference {
    /** The help's width, fixed so that the file does not follow the terminal it was made in. */
    static final int WIDTH = 110;

    private CommandReference() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: CommandReference OUT.md");
            System.exit(ConvLab.EXIT_BAD_INPUT);
        }
        Files.writeString(Path.of(args[0]), render(), StandardCharsets.UTF_8);
    }

    /** The whole reference as Markdown. */
    static String render() {
        CommandLine root = new CommandLine(new ConvLab());
        List<CommandLine> commands = new ArrayList<>();
        collect(root, commands);
        StringBuilder md = new StringBuilder("# Command reference\n\n"
                + "Every command's `--help`, generated from the command line itself (`org.convlab.cli.CommandReference`;"
                + " a test fails when this file is stale). Exit codes: 0 done, 2 bad usage or input (one line on"
                + " standard error naming what and how to fix it), 1 internal error (`-v` prints the stack trace).\n\n");
        for (CommandLine c : commands) {
            String name = c.getCommandSpec().qualifiedName();
            md.append("- [`").append(name).append("`](#").append(anchor(name)).append(")\n");
        }
        for (CommandLine c : commands) {
            c.setUsageHelpWidth(WIDTH);
            c.setUsageHelpAutoWidth(false);
            md.append("\n## ").append(c.getCommandSpec().qualifiedName()).append("\n\n```\n")
                    .append(c.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing()).append("\n```\n");
        }
        return md.toString();
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().stream().distinct()
                .filter(sub -> !(sub.getCommandSpec().userObject() instanceof CommandLine.HelpCommand))
                .forEach(sub -> collect(sub, into));
    }

    /** The heading's anchor as GitHub makes it: lower case, spaces to hyphens, other punctuation dropped. */
    static String anchor(String heading) {
        return heading.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }
}

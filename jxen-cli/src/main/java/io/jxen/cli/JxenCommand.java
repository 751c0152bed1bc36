package io.jxen.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jxen} command. Verbs follow {@code xl} where xl has one; each verb is a small
 * class of its own in this package.
 */
@Command(
        name = "jxen",
        mixinStandardHelpOptions = true,
        versionProvider = JxenVersion.class,
        description = "The Xen paravirtual platform in user space.",
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            ConsoleCommand.class,
            XenbusCommand.class,
            XlCommand.class,
            NbdCommand.class,
            XenstoredCommand.class,
            XenstoreCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Benchmarks (through the ./jxen launcher, which builds and runs the benchmarks jar):",
            "  ./jxen bench --list           name every benchmark",
            "  ./jxen bench NAME [--quick]   run one; the last line is key=value figures",
            "",
            "Docs: README.md, docs/ARCHITECTURE.md, docs/BENCHMARKS.md"
        })
public final class JxenCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Entry point of the jxen jar. */
    public static void main(String[] args) {
        // Drivers log negotiation results (original and reduced values) through
        // java.util.logging: one line each, in the demo's layout.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "  log      %5$s%n");
        }
        System.exit(newCommandLine().execute(args));
    }

    /** The command line with jxen's error handling, for main and for tests. */
    public static CommandLine newCommandLine() {
        CommandLine line = new CommandLine(new JxenCommand());
        line.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
            commandLine.getErr().println("jxen: " + error.getMessage());
            return 1;
        });
        return line;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}

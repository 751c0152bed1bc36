package io.jxen.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code jxen demo}: the main job. It grows with the platform; today it runs what exists
 * end to end and says plainly what does not exist yet.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run jxen's demonstration: what the platform can do today, end to end.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--seed", description = "Seed of the deterministic simulation (default: random).")
    private Long seed;

    @Option(names = "--requests", defaultValue = "100000",
            description = "Requests to move over the demo ring (default: ${DEFAULT-VALUE}).")
    private long requests;

    @Option(names = "--progress", defaultValue = "auto",
            description = "How the block workload shows progress: auto (one updating line on a terminal, plain"
                    + " lines otherwise), line, plain (default: ${DEFAULT-VALUE}).")
    private String progress;

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long runSeed = seed != null ? seed : System.nanoTime();
        if (requests < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--requests must be at least 1");
        }
        io.jxen.cli.demo.Progress.Mode mode = switch (progress) {
            case "auto" -> io.jxen.cli.demo.Progress.Mode.detect();
            case "line" -> io.jxen.cli.demo.Progress.Mode.LINE;
            case "plain" -> io.jxen.cli.demo.Progress.Mode.PLAIN;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--progress must be auto, line or plain, was " + progress);
        };
        return new Demo(out, runSeed, requests, mode).run();
    }
}

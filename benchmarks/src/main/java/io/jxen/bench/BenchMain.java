package io.jxen.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * {@code ./jxen bench --list} and {@code ./jxen bench NAME [--quick]}: finds the benchmark
 * among those listed in {@code META-INF/services/io.jxen.bench.Bench}, runs it, and prints
 * its figures as the last line, {@code bench=NAME key=value ...}.
 *
 * <p>JMH's own command line stays reachable as {@code ./jxen bench jmh [JMH options]}.
 */
public final class BenchMain {

    private BenchMain() {
    }

    /**
     * Entry point.
     *
     * @param args {@code --list}, or a benchmark name optionally followed by {@code --quick}
     */
    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        List<Bench> benches = all();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.println("usage: jxen bench --list | jxen bench NAME [--quick] | jxen bench jmh [JMH options]");
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("--list")) {
            for (Bench bench : benches) {
                out.printf("%-20s %s%n", bench.name(), bench.description());
            }
            return 0;
        }
        if (args[0].equals("jmh")) {
            String[] rest = new String[args.length - 1];
            System.arraycopy(args, 1, rest, 0, rest.length);
            org.openjdk.jmh.Main.main(rest);
            return 0;
        }
        boolean quick = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                quick = true;
            } else {
                err.println("jxen bench: unknown option " + args[i] + " (only --quick)");
                return 2;
            }
        }
        for (Bench bench : benches) {
            if (bench.name().equals(args[0])) {
                out.println("== " + bench.name() + ": " + bench.description() + (quick ? " (quick)" : ""));
                Figures figures = bench.run(quick, out);
                out.println(figures.line(bench.name()));
                return 0;
            }
        }
        err.println("jxen bench: no benchmark named '" + args[0] + "'; ./jxen bench --list names them");
        return 2;
    }

    static List<Bench> all() {
        List<Bench> benches = new ArrayList<>();
        ServiceLoader.load(Bench.class).forEach(benches::add);
        benches.sort(Comparator.comparing(Bench::name));
        return benches;
    }
}

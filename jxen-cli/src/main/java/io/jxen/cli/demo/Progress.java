package io.jxen.cli.demo;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress display for one phase of the demo's block workload. On a terminal it is a single
 * line rewritten in place (carriage return, no newline until the phase ends); otherwise (a
 * pipe, a file, a test) it prints a plain line at every quarter, so logs stay readable.
 */
public final class Progress {

    /** How the progress is shown. */
    public enum Mode {
        /** One line, rewritten in place ({@code \r}). */
        LINE,
        /** A plain line at 25%, 50%, 75% and 100%. */
        PLAIN;

        /** LINE when standard output is a terminal, PLAIN otherwise. */
        public static Mode detect() {
            java.io.Console console = System.console();
            return console != null && console.isTerminal() ? LINE : PLAIN;
        }
    }

    private static final int BAR = 24;

    private final PrintWriter out;
    private final Mode mode;
    private final String label;
    private final long total;
    private final long startNanos;
    private int lastQuarter;
    private int lastWidth;

    Progress(PrintWriter out, Mode mode, String label, long totalBytes, long startNanos) {
        this.out = out;
        this.mode = mode;
        this.label = label;
        this.total = totalBytes;
        this.startNanos = startNanos;
    }

    /** {@code done} bytes of the total are done at {@code nowNanos}. */
    void update(long done, long nowNanos) {
        if (mode == Mode.LINE) {
            String text = line(done, nowNanos);
            out.print("\r" + text + " ".repeat(Math.max(0, lastWidth - text.length())));
            lastWidth = text.length();
            out.flush();
            return;
        }
        int quarter = (int) (done * 4 / total);
        if (quarter > lastQuarter) {
            lastQuarter = quarter;
            out.println(line(done, nowNanos));
            out.flush();
        }
    }

    /** Ends the phase: the final figures, and a newline on a terminal. */
    void finish(long nowNanos) {
        if (mode == Mode.LINE) {
            update(total, nowNanos);
            out.println();
        } else if (lastQuarter < 4) {
            lastQuarter = 4;
            out.println(line(total, nowNanos));
        }
        out.flush();
    }

    private String line(long done, long nowNanos) {
        int filled = (int) (done * BAR / total);
        double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        return String.format(Locale.ROOT, "  %-8s %-6s [%s%s] %3d/%d MiB %6.0f MiB/s", "block", label,
                "#".repeat(filled), ".".repeat(BAR - filled), done >> 20, total >> 20, done / seconds / (1 << 20));
    }
}

package io.jxen.host.config;

/**
 * A domain configuration that cannot be used: a syntax error, a bad value or a missing key.
 * The message names the source and line, then what is wrong, as xl's messages do:
 * {@code guest.cfg:7: disk spec 2: unknown access mode 'rx'; expected r, ro, w, rw}.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String problem;

    /**
     * @param source  the file name or another name for the text
     * @param line    1-based line of the problem, or 0 if it concerns no single line
     * @param problem what is wrong (and, where it helps, what would be right)
     */
    public ConfigException(String source, int line, String problem) {
        super(line > 0 ? source + ":" + line + ": " + problem : source + ": " + problem);
        this.source = source;
        this.line = line;
        this.problem = problem;
    }

    /** The file name or other name of the text. */
    public String source() {
        return source;
    }

    /** 1-based line of the problem, 0 if none. */
    public int line() {
        return line;
    }

    /** What is wrong, without the location. */
    public String problem() {
        return problem;
    }
}

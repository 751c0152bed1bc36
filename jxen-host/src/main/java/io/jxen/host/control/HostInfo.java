package io.jxen.host.control;

/**
 * The host as {@code xl info} describes it, the control socket's {@code info} reply.
 *
 * @param totalMemKib machine memory (the host's memory file), KiB
 * @param freeMemKib  machine frames no domain or the hypervisor holds, KiB
 * @param nrCpus      host CPUs the JVM may run vCPU threads on
 * @param xenMajor    {@code XENVER_version}'s major
 * @param xenMinor    its minor
 * @param xenExtra    {@code XENVER_extraversion}
 */
public record HostInfo(long totalMemKib, long freeMemKib, int nrCpus, int xenMajor, int xenMinor, String xenExtra) {

    /** The line (no newline). */
    public String toLine() {
        return KeyValues.line().put("total_memory_kib", totalMemKib).put("free_memory_kib", freeMemKib)
                .put("nr_cpus", nrCpus).put("xen_major", xenMajor).put("xen_minor", xenMinor)
                .put("xen_extra", xenExtra).build();
    }

    /**
     * Parses and validates a line.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static HostInfo parse(String line) {
        KeyValues kv = KeyValues.parse(line);
        long total = kv.number("total_memory_kib", 0, Long.MAX_VALUE / 1024);
        return new HostInfo(total, kv.number("free_memory_kib", 0, total), kv.integer("nr_cpus", 1, 1 << 16),
                kv.integer("xen_major", 0, 0xffff), kv.integer("xen_minor", 0, 0xffff), kv.string("xen_extra", 16));
    }
}

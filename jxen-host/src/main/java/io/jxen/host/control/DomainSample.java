package io.jxen.host.control;

/**
 * One domain's counters at one moment, a line of the control socket's {@code domains} reply:
 * what {@code xl list} and {@code xl top} print.
 *
 * @param domid        domain id
 * @param name         its name ({@code Domain-0} for dom0)
 * @param state        xl's six flags {@code rbpscd} ({@code -} where off)
 * @param cpuNanos     sum of its vCPUs' {@code RUNSTATE_running} time (Xen's {@code cpu_time})
 * @param memKib       memory it owns ({@code tot_pages} x 4 KiB)
 * @param maxMemKib    its {@code max_pages} x 4 KiB
 * @param vcpus        vCPUs it has
 * @param onlineVcpus  vCPUs up
 * @param vbds         block devices the toolstack gave it
 * @param vbdRd        read requests dom0's blkback answered for it (connected rings)
 * @param vbdWr        write requests answered
 * @param vbdRsect     sectors read
 * @param vbdWsect     sectors written
 */
public record DomainSample(int domid, String name, String state, long cpuNanos, long memKib, long maxMemKib,
                           int vcpus, int onlineVcpus, int vbds, long vbdRd, long vbdWr, long vbdRsect,
                           long vbdWsect) {

    /** Longest name accepted (xl pads names to 40 columns; libxl allows longer). */
    public static final int MAX_NAME = 128;
    /** Largest domain id (DOMID_FIRST_RESERVED - 1). */
    public static final int MAX_DOMID = 0x7fef;
    /** Most vCPUs a domain line may claim. */
    public static final int MAX_VCPUS = 4096;

    /** The line (no newline). */
    public String toLine() {
        return KeyValues.line().put("domid", domid).put("name", name).put("state", state).put("cpu_ns", cpuNanos)
                .put("mem_kib", memKib).put("maxmem_kib", maxMemKib).put("vcpus", vcpus)
                .put("online_vcpus", onlineVcpus).put("vbds", vbds).put("vbd_rd", vbdRd).put("vbd_wr", vbdWr)
                .put("vbd_rsect", vbdRsect).put("vbd_wsect", vbdWsect).build();
    }

    /**
     * Parses and validates a line.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static DomainSample parse(String line) {
        KeyValues kv = KeyValues.parse(line);
        String state = kv.string("state", 6);
        if (!state.matches("[r-][b-][p-][s-][c-][d-]")) {
            throw new IllegalArgumentException("state=" + state + " is not xl's rbpscd flags");
        }
        int vcpus = kv.integer("vcpus", 0, MAX_VCPUS);
        return new DomainSample(kv.integer("domid", 0, MAX_DOMID), kv.string("name", MAX_NAME), state,
                kv.number("cpu_ns", 0, Long.MAX_VALUE), kv.number("mem_kib", 0, Long.MAX_VALUE / 1024),
                kv.number("maxmem_kib", 0, Long.MAX_VALUE / 1024), vcpus, kv.integer("online_vcpus", 0, vcpus),
                kv.integer("vbds", 0, 1 << 16), kv.number("vbd_rd", 0, Long.MAX_VALUE),
                kv.number("vbd_wr", 0, Long.MAX_VALUE), kv.number("vbd_rsect", 0, Long.MAX_VALUE),
                kv.number("vbd_wsect", 0, Long.MAX_VALUE));
    }
}

package io.jxen.host.control;

/**
 * One vCPU at one moment, a line of the control socket's {@code vcpus} reply
 * ({@code xl vcpu-list}).
 *
 * @param domid    domain id
 * @param name     domain name
 * @param vcpu     vCPU id
 * @param running  in {@code RUNSTATE_running}
 * @param blocked  in {@code RUNSTATE_blocked} (SCHEDOP_block or poll)
 * @param online   up ({@code VCPUOP_is_up})
 * @param cpuNanos its {@code RUNSTATE_running} time
 */
public record VcpuSample(int domid, String name, int vcpu, boolean running, boolean blocked, boolean online,
                         long cpuNanos) {

    /** The line (no newline). */
    public String toLine() {
        return KeyValues.line().put("domid", domid).put("name", name).put("vcpu", vcpu)
                .put("running", running ? 1 : 0).put("blocked", blocked ? 1 : 0).put("online", online ? 1 : 0)
                .put("cpu_ns", cpuNanos).build();
    }

    /**
     * Parses and validates a line.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static VcpuSample parse(String line) {
        KeyValues kv = KeyValues.parse(line);
        return new VcpuSample(kv.integer("domid", 0, DomainSample.MAX_DOMID), kv.string("name", DomainSample.MAX_NAME),
                kv.integer("vcpu", 0, DomainSample.MAX_VCPUS - 1), kv.integer("running", 0, 1) == 1,
                kv.integer("blocked", 0, 1) == 1, kv.integer("online", 0, 1) == 1,
                kv.number("cpu_ns", 0, Long.MAX_VALUE));
    }
}

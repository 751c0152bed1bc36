package io.jxen.host.control;

import java.util.List;
import java.util.Locale;

/** {@code xl list}'s table, for {@code jxen xl list}, the control socket's {@code list} and the demo. */
public final class XlList {

    private XlList() {
    }

    /**
     * The table as xl prints it (tools/xl/xl_list.c: the header with its tabs, then
     * {@code %-40s %5d %5lu %5d     %s  %8.1f} per domain): memory in MiB, online vCPUs, the
     * state flags, and the vCPUs' running time in seconds.
     */
    public static String format(List<DomainSample> domains) {
        StringBuilder b = new StringBuilder("Name" + " ".repeat(40) + "ID   Mem VCPUs\tState\tTime(s)\n");
        for (DomainSample d : domains) {
            b.append(String.format(Locale.ROOT, "%-40s %5d %5d %5d     %s  %8.1f%n", d.name(), d.domid(),
                    d.memKib() / 1024, d.onlineVcpus(), d.state(), d.cpuNanos() / 1e9));
        }
        return b.toString();
    }
}

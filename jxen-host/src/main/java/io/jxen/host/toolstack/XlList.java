package io.jxen.host.toolstack;

import java.util.List;
import java.util.Locale;

/** {@code xl list}'s table. */
public final class XlList {

    private XlList() {
    }

    /**
     * The table as {@code xl list} prints it: a header, then one line per domain. The
     * {@code Time(s)} column is 0.0: jxen does not account vCPU time yet.
     */
    public static String format(List<DomainInfo> domains) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-40s %5s %5s %5s %10s %9s%n", "Name", "ID", "Mem", "VCPUs", "State",
                "Time(s)"));
        for (DomainInfo d : domains) {
            b.append(String.format(Locale.ROOT, "%-40s %5d %5d %5d     %s  %8.1f%n", d.name(), d.domid(), d.memoryMib(),
                    d.vcpus(), d.state(), 0.0));
        }
        return b.toString();
    }
}

package io.jxen.xenstore.store;

/**
 * Per-domain limits with C xenstored 4.17's defaults (xenstored_core.c; its {@code quota} and
 * {@code quota-soft} control commands print them). They bind unprivileged domains only, as in
 * C; socket connections are dom0. A {@code memory}, {@code memorySoft} or
 * {@code watchEventTimeoutMs} of 0 disables that limit, as in C.
 *
 * @param nodes              nodes a domain may own ({@code -E}); ENOSPC
 * @param watches            watches per domain ({@code -W}); E2BIG in 4.17
 * @param transactions       open transactions per domain ({@code -t}); ENOSPC
 * @param outstanding        replies queued and not yet taken by the guest ({@code -Q outstanding}):
 *                           at this many, its ring is not read (C's {@code domain_can_read})
 * @param transactionNodes   nodes one transaction may touch ({@code -Q transaction-nodes}); ENOSPC
 * @param memory             bytes per domain, hard ({@code -Q memory}): node records, watches,
 *                           transaction copies and queued output as C counts them; reaching it
 *                           fails node writes (EIO), watches and large replies (ENOMEM), drops
 *                           watch events and stops reading the domain's ring
 * @param nodeSize           largest node record ({@code -S}); ENOSPC
 * @param pathMax            longest path below the home path ({@code -M}); EINVAL
 * @param permissions        entries per permission list ({@code -A}); ENOSPC
 * @param memorySoft         bytes per domain, soft ({@code -q memory}): only logged
 * @param watchEventTimeoutMs how long a watch event may wait for an unprivileged domain to make
 *                           room for it ({@code -w watch-event=<seconds>}); then it is dropped
 */
public record Quotas(int nodes, int watches, int transactions, int outstanding, int transactionNodes,
                     int memory, int nodeSize, int pathMax, int permissions, int memorySoft,
                     long watchEventTimeoutMs) {

    /** The defaults of C xenstored 4.17 (xenstored_core.c: 2 MB soft, 2.5 MB hard, 20 s). */
    public static final Quotas XEN_4_17 = new Quotas(1000, 128, 10, 20, 1024, 2621440, 2048, 2048, 5, 2097152,
            20_000);

    /**
     * The text of C xenstored 4.17's {@code quota} control command for these values.
     *
     * @return the multi-line report
     */
    public String report() {
        return "Quota settings:\n"
                + line("nodes", nodes, "Nodes per domain")
                + line("watches", watches, "Watches per domain")
                + line("transactions", transactions, "Transactions per domain")
                + line("outstanding", outstanding, "Outstanding requests per domain")
                + line("transaction-nodes", transactionNodes, "Max. number of accessed nodes per transaction")
                + line("memory", memory, "Total Xenstore memory per domain (error level)")
                + line("node-size", nodeSize, "Max. size of a node")
                + line("path-max", pathMax, "Max. length of a node path")
                + line("permissions", permissions, "Max. number of permissions per node");
    }

    /**
     * The text of C xenstored 4.17's {@code quota-soft} control command.
     *
     * @return the report
     */
    public String reportSoft() {
        return "Quota settings:\n" + line("memory", memorySoft, "Total Xenstore memory per domain (warning level)");
    }

    private static String line(String name, int value, String what) {
        return String.format("%-17s: %8d %s%n", name, value, what);
    }

    /**
     * These quotas with one changed, as C xenstored's {@code quota set} control command does
     * it (values below 1 refused).
     *
     * @param name  nodes, watches, transactions, outstanding, transaction-nodes, memory,
     *              node-size, path-max or permissions
     * @param value the new value, positive
     * @return the changed quotas
     * @throws IllegalArgumentException for an unknown name or a value below 1
     */
    public Quotas with(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("quota " + name + " must be positive: " + value);
        }
        return set(name, value);
    }

    /**
     * As the command line's {@code -E -S -W -t -A -M -Q name=value} set them: 0 is accepted
     * (C's {@code get_optval_int} takes 0 to INT_MAX).
     *
     * @param name  a quota name as for {@link #with}
     * @param value the new value, at least 0
     * @return the changed quotas
     * @throws IllegalArgumentException for an unknown name or a negative value
     */
    public Quotas withOption(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("quota " + name + " must not be negative: " + value);
        }
        return set(name, value);
    }

    /**
     * A soft quota changed ({@code -q memory=N}, {@code quota-soft set memory N}); C has only
     * {@code memory}.
     *
     * @param name  "memory"
     * @param value bytes, at least 0
     * @return the changed quotas
     * @throws IllegalArgumentException for another name or a negative value
     */
    public Quotas withSoft(String name, int value) {
        if (!name.equals("memory")) {
            throw new IllegalArgumentException("unknown soft quota " + name);
        }
        if (value < 0) {
            throw new IllegalArgumentException("soft quota " + name + " must not be negative: " + value);
        }
        return new Quotas(nodes, watches, transactions, outstanding, transactionNodes, memory, nodeSize, pathMax,
                permissions, value, watchEventTimeoutMs);
    }

    /**
     * A timeout changed ({@code -w watch-event=SECONDS}); C has only {@code watch-event}, and
     * 0 disables it.
     *
     * @param name    "watch-event"
     * @param seconds at least 0
     * @return the changed quotas
     * @throws IllegalArgumentException for another name or a negative value
     */
    public Quotas withTimeout(String name, int seconds) {
        if (!name.equals("watch-event")) {
            throw new IllegalArgumentException("unknown timeout " + name);
        }
        if (seconds < 0) {
            throw new IllegalArgumentException("timeout " + name + " must not be negative: " + seconds);
        }
        return new Quotas(nodes, watches, transactions, outstanding, transactionNodes, memory, nodeSize, pathMax,
                permissions, memorySoft, seconds * 1000L);
    }

    private Quotas set(String name, int value) {
        int[] v = {nodes, watches, transactions, outstanding, transactionNodes, memory, nodeSize, pathMax, permissions};
        int i = switch (name) {
            case "nodes" -> 0;
            case "watches" -> 1;
            case "transactions" -> 2;
            case "outstanding" -> 3;
            case "transaction-nodes" -> 4;
            case "memory" -> 5;
            case "node-size" -> 6;
            case "path-max" -> 7;
            case "permissions" -> 8;
            default -> throw new IllegalArgumentException("unknown quota " + name);
        };
        v[i] = value;
        return new Quotas(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], memorySoft, watchEventTimeoutMs);
    }
}

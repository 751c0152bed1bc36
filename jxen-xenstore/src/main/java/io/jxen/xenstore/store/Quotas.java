package io.jxen.xenstore.store;

/**
 * Per-domain limits with C xenstored 4.17's defaults (its {@code quota} control command
 * prints them). They bind unprivileged domains only, as in C; socket connections are dom0.
 *
 * @param nodes            nodes a domain may own ({@code -E}); ENOSPC
 * @param watches          watches per domain ({@code -W}); E2BIG in 4.17
 * @param transactions     open transactions per domain ({@code -t}); ENOSPC
 * @param outstanding      requests in progress per domain ({@code -Q outstanding})
 * @param transactionNodes nodes one transaction may touch ({@code -Q transaction-nodes}); ENOSPC
 * @param memory           bytes per domain (error level) ({@code -Q memory}); not enforced yet
 * @param nodeSize         largest node record ({@code -S}); ENOSPC
 * @param pathMax          longest path below the home path ({@code -M}); EINVAL
 * @param permissions      entries per permission list ({@code -A}); ENOSPC
 */
public record Quotas(int nodes, int watches, int transactions, int outstanding, int transactionNodes,
                     int memory, int nodeSize, int pathMax, int permissions) {

    /** The defaults of C xenstored 4.17. */
    public static final Quotas XEN_4_17 = new Quotas(1000, 128, 10, 20, 1024, 2621440, 2048, 2048, 5);

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

    private static String line(String name, int value, String what) {
        return String.format("%-17s: %8d %s%n", name, value, what);
    }

    /**
     * These quotas with one changed, by the names C xenstored's {@code quota} command and
     * {@code -Q} option use.
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
        return switch (name) {
            case "nodes" -> new Quotas(value, watches, transactions, outstanding, transactionNodes, memory, nodeSize,
                    pathMax, permissions);
            case "watches" -> new Quotas(nodes, value, transactions, outstanding, transactionNodes, memory, nodeSize,
                    pathMax, permissions);
            case "transactions" -> new Quotas(nodes, watches, value, outstanding, transactionNodes, memory, nodeSize,
                    pathMax, permissions);
            case "outstanding" -> new Quotas(nodes, watches, transactions, value, transactionNodes, memory, nodeSize,
                    pathMax, permissions);
            case "transaction-nodes" -> new Quotas(nodes, watches, transactions, outstanding, value, memory, nodeSize,
                    pathMax, permissions);
            case "memory" -> new Quotas(nodes, watches, transactions, outstanding, transactionNodes, value, nodeSize,
                    pathMax, permissions);
            case "node-size" -> new Quotas(nodes, watches, transactions, outstanding, transactionNodes, memory, value,
                    pathMax, permissions);
            case "path-max" -> new Quotas(nodes, watches, transactions, outstanding, transactionNodes, memory, nodeSize,
                    value, permissions);
            case "permissions" -> new Quotas(nodes, watches, transactions, outstanding, transactionNodes, memory,
                    nodeSize, pathMax, value);
            default -> throw new IllegalArgumentException("unknown quota " + name);
        };
    }
}

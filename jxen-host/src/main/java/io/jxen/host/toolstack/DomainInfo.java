package io.jxen.host.toolstack;

/**
 * One line of {@code xl list}.
 *
 * @param domid     domain id
 * @param name      its name ({@code Domain-0} for dom0)
 * @param memoryMib memory it owns, in MiB
 * @param vcpus     its vCPUs
 * @param state     xl's six state flags {@code rbpscd}: running (runnable: not paused nor shut
 *                  down; jxen does not report blocked vCPUs here), blocked, paused, shutdown,
 *                  crashed, dying; {@code -} where a flag is off
 */
public record DomainInfo(int domid, String name, long memoryMib, int vcpus, String state) {
}

/**
 * The hypervisor: domains, vCPUs, pseudo-physical memory, the hypercall table and
 * multicall, event channels (2-level and FIFO) and grant tables (v1 and v2). Facts:
 * the Xen 4.17 public headers and ../shared/reference/hypervisor.md.
 */
package io.jxen.hv;

/**
 * The guest's only door to the hypervisor, as on real Xen: numbered hypercalls whose pointer
 * arguments are guest addresses of structures in the guest's own memory, returning a value
 * or a negative Xen errno. Guest and driver code depend on this package and on shared
 * memory, never on {@code io.jxen.hv}.
 */
package io.jxen.hypercall;

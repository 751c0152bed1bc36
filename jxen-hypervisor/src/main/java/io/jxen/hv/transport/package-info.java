/**
 * The hypervisor side of the cross-process transport: a domain's hypercalls served on a
 * Unix-domain socket to a guest in another JVM ({@code io.jxen.hypercall.transport}).
 */
package io.jxen.hv.transport;

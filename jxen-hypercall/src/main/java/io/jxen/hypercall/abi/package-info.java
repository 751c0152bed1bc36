/**
 * Xen constants and layouts that jxen-abi does not have yet (grant_table.h, memory.h,
 * vcpu.h, sched.h). <b>Move to jxen-abi</b> (with oracle annotations) when its owner adds
 * these headers; every value here was checked with gcc against the Xen 4.17 headers
 * ({@code -D__XEN_INTERFACE_VERSION__=0x00040e00}, x86_64).
 */
package io.jxen.hypercall.abi;

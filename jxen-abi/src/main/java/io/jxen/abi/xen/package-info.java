/**
 * xen.h and arch-x86/xen.h: the shared-info and start-info pages, {@code vcpu_info},
 * {@code vcpu_time_info}, the MMU and multicall records, reserved domain ids and VIRQs.
 */
package io.jxen.abi.xen;

/**
 * vcpu.h: {@code VCPUOP_*}, timers, runstate and the {@code vcpu_info} placement record.
 * {@code vcpu_time_info} is in {@link io.jxen.abi.xen}, the header that defines it.
 */
package io.jxen.abi.vcpu;

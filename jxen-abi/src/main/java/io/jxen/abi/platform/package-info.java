/**
 * platform.h: {@code __HYPERVISOR_platform_op} ({@code struct xen_platform_op}), the commands
 * jxen answers ({@code XENPF_settime32}, {@code XENPF_settime64}) and their argument layouts.
 */
package io.jxen.abi.platform;

/** {@code SCHEDOP_*} and {@code VCPUOP_*} (xen/common/sched/core.c, xen/common/domain.c). */
package io.jxen.hv.sched;

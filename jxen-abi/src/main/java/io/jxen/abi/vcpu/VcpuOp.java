package io.jxen.abi.vcpu;

import io.jxen.abi.XenConstant;

/**
 * Sub-operations of {@code __HYPERVISOR_vcpu_op} (vcpu.h {@code VCPUOP_*}).
 */
public final class VcpuOp {

    /** Sets a down vCPU's initial register state: {@code VCPUOP_initialise} (vcpu.h). */
    @XenConstant("VCPUOP_initialise")
    public static final int INITIALISE = 0;

    /** Brings a vCPU up: {@code VCPUOP_up} (vcpu.h). */
    @XenConstant("VCPUOP_up")
    public static final int UP = 1;

    /** Takes a vCPU down: {@code VCPUOP_down} (vcpu.h). */
    @XenConstant("VCPUOP_down")
    public static final int DOWN = 2;

    /** Asks whether a vCPU is up: {@code VCPUOP_is_up} (vcpu.h). */
    @XenConstant("VCPUOP_is_up")
    public static final int IS_UP = 3;

    /** Copies out a vCPU's {@code vcpu_runstate_info}: {@code VCPUOP_get_runstate_info} (vcpu.h). */
    @XenConstant("VCPUOP_get_runstate_info")
    public static final int GET_RUNSTATE_INFO = 4;

    /**
     * Registers where Xen keeps the runstate info current:
     * {@code VCPUOP_register_runstate_memory_area} (vcpu.h).
     */
    @XenConstant("VCPUOP_register_runstate_memory_area")
    public static final int REGISTER_RUNSTATE_MEMORY_AREA = 5;

    /** Starts the periodic timer: {@code VCPUOP_set_periodic_timer} (vcpu.h). */
    @XenConstant("VCPUOP_set_periodic_timer")
    public static final int SET_PERIODIC_TIMER = 6;

    /** Stops the periodic timer: {@code VCPUOP_stop_periodic_timer} (vcpu.h). */
    @XenConstant("VCPUOP_stop_periodic_timer")
    public static final int STOP_PERIODIC_TIMER = 7;

    /** Arms the one-shot timer: {@code VCPUOP_set_singleshot_timer} (vcpu.h). */
    @XenConstant("VCPUOP_set_singleshot_timer")
    public static final int SET_SINGLESHOT_TIMER = 8;

    /** Disarms the one-shot timer: {@code VCPUOP_stop_singleshot_timer} (vcpu.h). */
    @XenConstant("VCPUOP_stop_singleshot_timer")
    public static final int STOP_SINGLESHOT_TIMER = 9;

    /**
     * Moves the vCPU's {@code vcpu_info} to a guest page: {@code VCPUOP_register_vcpu_info}
     * (vcpu.h).
     */
    @XenConstant("VCPUOP_register_vcpu_info")
    public static final int REGISTER_VCPU_INFO = 10;

    /** Sends an NMI: {@code VCPUOP_send_nmi} (vcpu.h). */
    @XenConstant("VCPUOP_send_nmi")
    public static final int SEND_NMI = 11;

    /** Returns the physical CPU id of a vCPU: {@code VCPUOP_get_physid} (vcpu.h). */
    @XenConstant("VCPUOP_get_physid")
    public static final int GET_PHYSID = 12;

    /**
     * Registers a second copy of the vCPU's time info:
     * {@code VCPUOP_register_vcpu_time_memory_area} (vcpu.h).
     */
    @XenConstant("VCPUOP_register_vcpu_time_memory_area")
    public static final int REGISTER_VCPU_TIME_MEMORY_AREA = 13;

    private VcpuOp() {
    }
}

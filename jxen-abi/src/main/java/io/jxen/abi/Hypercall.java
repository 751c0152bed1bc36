package io.jxen.abi;

/**
 * Hypercall numbers, the index into the hypercall page (xen.h {@code __HYPERVISOR_*}).
 *
 * <p>Each constant carries Xen's name without the {@code __HYPERVISOR_} prefix. The
 * {@code _compat} numbers are the older entry points that kept their number when the
 * current ones were added; a guest built against the current interface uses the others.
 */
public final class Hypercall {

    /** Installs the virtual IDT (PV only). {@code __HYPERVISOR_set_trap_table} (xen.h). */
    @XenConstant("__HYPERVISOR_set_trap_table")
    public static final int SET_TRAP_TABLE = 0;

    /**
     * Batched page-table and M2P updates ({@code struct mmu_update}).
     * {@code __HYPERVISOR_mmu_update} (xen.h).
     */
    @XenConstant("__HYPERVISOR_mmu_update")
    public static final int MMU_UPDATE = 1;

    /** Installs a GDT (PV only). {@code __HYPERVISOR_set_gdt} (xen.h). */
    @XenConstant("__HYPERVISOR_set_gdt")
    public static final int SET_GDT = 2;

    /** Sets the kernel stack (PV only). {@code __HYPERVISOR_stack_switch} (xen.h). */
    @XenConstant("__HYPERVISOR_stack_switch")
    public static final int STACK_SWITCH = 3;

    /**
     * Registers event and failsafe callbacks (x86_32 PV). {@code __HYPERVISOR_set_callbacks}
     * (xen.h).
     */
    @XenConstant("__HYPERVISOR_set_callbacks")
    public static final int SET_CALLBACKS = 4;

    /** Sets or clears CR0.TS (PV only). {@code __HYPERVISOR_fpu_taskswitch} (xen.h). */
    @XenConstant("__HYPERVISOR_fpu_taskswitch")
    public static final int FPU_TASKSWITCH = 5;

    /** The pre-3.0.2 scheduler hypercall. {@code __HYPERVISOR_sched_op_compat} (xen.h). */
    @XenConstant("__HYPERVISOR_sched_op_compat")
    public static final int SCHED_OP_COMPAT = 6;

    /** Platform control, dom0 only. {@code __HYPERVISOR_platform_op} (xen.h). */
    @XenConstant("__HYPERVISOR_platform_op")
    public static final int PLATFORM_OP = 7;

    /** Writes a debug register. {@code __HYPERVISOR_set_debugreg} (xen.h). */
    @XenConstant("__HYPERVISOR_set_debugreg")
    public static final int SET_DEBUGREG = 8;

    /** Reads a debug register. {@code __HYPERVISOR_get_debugreg} (xen.h). */
    @XenConstant("__HYPERVISOR_get_debugreg")
    public static final int GET_DEBUGREG = 9;

    /** Updates one GDT/LDT descriptor. {@code __HYPERVISOR_update_descriptor} (xen.h). */
    @XenConstant("__HYPERVISOR_update_descriptor")
    public static final int UPDATE_DESCRIPTOR = 10;

    /**
     * Reservation and physmap operations (memory.h {@code XENMEM_*}).
     * {@code __HYPERVISOR_memory_op} (xen.h).
     */
    @XenConstant("__HYPERVISOR_memory_op")
    public static final int MEMORY_OP = 12;

    /** Runs a batch of {@code struct multicall_entry}. {@code __HYPERVISOR_multicall} (xen.h). */
    @XenConstant("__HYPERVISOR_multicall")
    public static final int MULTICALL = 13;

    /**
     * Updates one PTE of the current address space ({@code UVMF_*} flags).
     * {@code __HYPERVISOR_update_va_mapping} (xen.h).
     */
    @XenConstant("__HYPERVISOR_update_va_mapping")
    public static final int UPDATE_VA_MAPPING = 14;

    /**
     * Sets the one-shot timer (absolute system time in ns). {@code __HYPERVISOR_set_timer_op}
     * (xen.h).
     */
    @XenConstant("__HYPERVISOR_set_timer_op")
    public static final int SET_TIMER_OP = 15;

    /**
     * The pre-3.0.2 event-channel hypercall ({@code struct evtchn_op}).
     * {@code __HYPERVISOR_event_channel_op_compat} (xen.h).
     */
    @XenConstant("__HYPERVISOR_event_channel_op_compat")
    public static final int EVENT_CHANNEL_OP_COMPAT = 16;

    /**
     * Version and feature queries (version.h {@code XENVER_*}). {@code __HYPERVISOR_xen_version}
     * (xen.h).
     */
    @XenConstant("__HYPERVISOR_xen_version")
    public static final int XEN_VERSION = 17;

    /** Emergency console ({@code CONSOLEIO_*}). {@code __HYPERVISOR_console_io} (xen.h). */
    @XenConstant("__HYPERVISOR_console_io")
    public static final int CONSOLE_IO = 18;

    /** The pre-3.0.2 physdev hypercall. {@code __HYPERVISOR_physdev_op_compat} (xen.h). */
    @XenConstant("__HYPERVISOR_physdev_op_compat")
    public static final int PHYSDEV_OP_COMPAT = 19;

    /**
     * Grant-table operations (grant_table.h {@code GNTTABOP_*}).
     * {@code __HYPERVISOR_grant_table_op} (xen.h).
     */
    @XenConstant("__HYPERVISOR_grant_table_op")
    public static final int GRANT_TABLE_OP = 20;

    /** Enables or disables a VM assist ({@code VMASST_*}). {@code __HYPERVISOR_vm_assist} (xen.h). */
    @XenConstant("__HYPERVISOR_vm_assist")
    public static final int VM_ASSIST = 21;

    /**
     * Updates one PTE of another domain's address space.
     * {@code __HYPERVISOR_update_va_mapping_otherdomain} (xen.h).
     */
    @XenConstant("__HYPERVISOR_update_va_mapping_otherdomain")
    public static final int UPDATE_VA_MAPPING_OTHERDOMAIN = 22;

    /** Returns from an exception (x86 PV only). {@code __HYPERVISOR_iret} (xen.h). */
    @XenConstant("__HYPERVISOR_iret")
    public static final int IRET = 23;

    /** Per-vCPU operations (vcpu.h {@code VCPUOP_*}). {@code __HYPERVISOR_vcpu_op} (xen.h). */
    @XenConstant("__HYPERVISOR_vcpu_op")
    public static final int VCPU_OP = 24;

    /** Sets FS/GS bases (x86_64 PV only). {@code __HYPERVISOR_set_segment_base} (xen.h). */
    @XenConstant("__HYPERVISOR_set_segment_base")
    public static final int SET_SEGMENT_BASE = 25;

    /** Extended MMU operations ({@code struct mmuext_op}). {@code __HYPERVISOR_mmuext_op} (xen.h). */
    @XenConstant("__HYPERVISOR_mmuext_op")
    public static final int MMUEXT_OP = 26;

    /** XSM/Flask operations. {@code __HYPERVISOR_xsm_op} (xen.h). */
    @XenConstant("__HYPERVISOR_xsm_op")
    public static final int XSM_OP = 27;

    /** NMI callback registration. {@code __HYPERVISOR_nmi_op} (xen.h). */
    @XenConstant("__HYPERVISOR_nmi_op")
    public static final int NMI_OP = 28;

    /** Scheduler operations (sched.h {@code SCHEDOP_*}). {@code __HYPERVISOR_sched_op} (xen.h). */
    @XenConstant("__HYPERVISOR_sched_op")
    public static final int SCHED_OP = 29;

    /** Callback registration (callback.h). {@code __HYPERVISOR_callback_op} (xen.h). */
    @XenConstant("__HYPERVISOR_callback_op")
    public static final int CALLBACK_OP = 30;

    /** Profiler operations. {@code __HYPERVISOR_xenoprof_op} (xen.h). */
    @XenConstant("__HYPERVISOR_xenoprof_op")
    public static final int XENOPROF_OP = 31;

    /**
     * Event-channel operations (event_channel.h {@code EVTCHNOP_*}).
     * {@code __HYPERVISOR_event_channel_op} (xen.h).
     */
    @XenConstant("__HYPERVISOR_event_channel_op")
    public static final int EVENT_CHANNEL_OP = 32;

    /** Physical-device operations (physdev.h). {@code __HYPERVISOR_physdev_op} (xen.h). */
    @XenConstant("__HYPERVISOR_physdev_op")
    public static final int PHYSDEV_OP = 33;

    /** HVM operations (hvm/hvm_op.h {@code HVMOP_*}). {@code __HYPERVISOR_hvm_op} (xen.h). */
    @XenConstant("__HYPERVISOR_hvm_op")
    public static final int HVM_OP = 34;

    /** System control, toolstack only. {@code __HYPERVISOR_sysctl} (xen.h). */
    @XenConstant("__HYPERVISOR_sysctl")
    public static final int SYSCTL = 35;

    /** Domain control, toolstack only. {@code __HYPERVISOR_domctl} (xen.h). */
    @XenConstant("__HYPERVISOR_domctl")
    public static final int DOMCTL = 36;

    /** Kexec operations. {@code __HYPERVISOR_kexec_op} (xen.h). */
    @XenConstant("__HYPERVISOR_kexec_op")
    public static final int KEXEC_OP = 37;

    /** Transcendent memory (removed; always {@code -ENOSYS}). {@code __HYPERVISOR_tmem_op} (xen.h). */
    @XenConstant("__HYPERVISOR_tmem_op")
    public static final int TMEM_OP = 38;

    /** Argo inter-domain messaging. {@code __HYPERVISOR_argo_op} (xen.h). */
    @XenConstant("__HYPERVISOR_argo_op")
    public static final int ARGO_OP = 39;

    /** Virtual PMU operations. {@code __HYPERVISOR_xenpmu_op} (xen.h). */
    @XenConstant("__HYPERVISOR_xenpmu_op")
    public static final int XENPMU_OP = 40;

    /** Device-model operations (hvm/dm_op.h). {@code __HYPERVISOR_dm_op} (xen.h). */
    @XenConstant("__HYPERVISOR_dm_op")
    public static final int DM_OP = 41;

    /** Hypervisor file-system operations. {@code __HYPERVISOR_hypfs_op} (xen.h). */
    @XenConstant("__HYPERVISOR_hypfs_op")
    public static final int HYPFS_OP = 42;

    /** Architecture-specific hypercall 0: {@code __HYPERVISOR_arch_0} (xen.h). */
    @XenConstant("__HYPERVISOR_arch_0")
    public static final int ARCH_0 = 48;

    /** Architecture-specific hypercall 1: {@code __HYPERVISOR_arch_1} (xen.h). */
    @XenConstant("__HYPERVISOR_arch_1")
    public static final int ARCH_1 = 49;

    /** Architecture-specific hypercall 2: {@code __HYPERVISOR_arch_2} (xen.h). */
    @XenConstant("__HYPERVISOR_arch_2")
    public static final int ARCH_2 = 50;

    /** Architecture-specific hypercall 3: {@code __HYPERVISOR_arch_3} (xen.h). */
    @XenConstant("__HYPERVISOR_arch_3")
    public static final int ARCH_3 = 51;

    /** Architecture-specific hypercall 4: {@code __HYPERVISOR_arch_4} (xen.h). */
    @XenConstant("__HYPERVISOR_arch_4")
    public static final int ARCH_4 = 52;

    /** Architecture-specific hypercall 5: {@code __HYPERVISOR_arch_5} (xen.h). */
    @XenConstant("__HYPERVISOR_arch_5")
    public static final int ARCH_5 = 53;

    /** Architecture-specific hypercall 6: {@code __HYPERVISOR_arch_6} (xen.h). */
    @XenConstant("__HYPERVISOR_arch_6")
    public static final int ARCH_6 = 54;

    /** Architecture-specific hypercall 7: {@code __HYPERVISOR_arch_7} (xen.h). */
    @XenConstant("__HYPERVISOR_arch_7")
    public static final int ARCH_7 = 55;

    private Hypercall() {
    }
}

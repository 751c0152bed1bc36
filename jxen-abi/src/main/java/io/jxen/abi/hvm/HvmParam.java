package io.jxen.abi.hvm;

import io.jxen.abi.XenConstant;

/**
 * HVM parameter indices (hvm/params.h {@code HVM_PARAM_*}), read and written with
 * {@code HVMOP_get_param} / {@code HVMOP_set_param}; PVH and HVM guests find their xenstore and
 * console rings here.
 */
public final class HvmParam {

    /**
     * How events are delivered: type in bits 56-63, value below: {@code HVM_PARAM_CALLBACK_IRQ}
     * (hvm/params.h).
     */
    @XenConstant("HVM_PARAM_CALLBACK_IRQ")
    public static final int CALLBACK_IRQ = 0;

    /** Guest frame of the xenstore ring: {@code HVM_PARAM_STORE_PFN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_STORE_PFN")
    public static final int STORE_PFN = 1;

    /** Event channel of the xenstore ring: {@code HVM_PARAM_STORE_EVTCHN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_STORE_EVTCHN")
    public static final int STORE_EVTCHN = 2;

    /** PAE enabled (obsolete): {@code HVM_PARAM_PAE_ENABLED} (hvm/params.h). */
    @XenConstant("HVM_PARAM_PAE_ENABLED")
    public static final int PAE_ENABLED = 4;

    /** Frame of the synchronous ioreq page: {@code HVM_PARAM_IOREQ_PFN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_IOREQ_PFN")
    public static final int IOREQ_PFN = 5;

    /** Frame of the buffered ioreq page: {@code HVM_PARAM_BUFIOREQ_PFN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_BUFIOREQ_PFN")
    public static final int BUFIOREQ_PFN = 6;

    /**
     * Viridian (Hyper-V) enlightenments, {@code HVMPV_*}: {@code HVM_PARAM_VIRIDIAN}
     * (hvm/params.h).
     */
    @XenConstant("HVM_PARAM_VIRIDIAN")
    public static final int VIRIDIAN = 9;

    /**
     * Virtual platform timer policy, {@code HVMPTM_*}: {@code HVM_PARAM_TIMER_MODE}
     * (hvm/params.h).
     */
    @XenConstant("HVM_PARAM_TIMER_MODE")
    public static final int TIMER_MODE = 10;

    /** Whether the virtual HPET is present: {@code HVM_PARAM_HPET_ENABLED} (hvm/params.h). */
    @XenConstant("HVM_PARAM_HPET_ENABLED")
    public static final int HPET_ENABLED = 11;

    /** Identity page table for real mode: {@code HVM_PARAM_IDENT_PT} (hvm/params.h). */
    @XenConstant("HVM_PARAM_IDENT_PT")
    public static final int IDENT_PT = 12;

    /** Domain of the device model: {@code HVM_PARAM_DM_DOMAIN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_DM_DOMAIN")
    public static final int DM_DOMAIN = 13;

    /** ACPI sleep state: {@code HVM_PARAM_ACPI_S_STATE} (hvm/params.h). */
    @XenConstant("HVM_PARAM_ACPI_S_STATE")
    public static final int ACPI_S_STATE = 14;

    /** TSS for vm86 mode: {@code HVM_PARAM_VM86_TSS} (hvm/params.h). */
    @XenConstant("HVM_PARAM_VM86_TSS")
    public static final int VM86_TSS = 15;

    /** Align virtual timer interrupts across vCPUs: {@code HVM_PARAM_VPT_ALIGN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_VPT_ALIGN")
    public static final int VPT_ALIGN = 16;

    /** Guest frame of the PV console ring: {@code HVM_PARAM_CONSOLE_PFN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_CONSOLE_PFN")
    public static final int CONSOLE_PFN = 17;

    /** Event channel of the PV console ring: {@code HVM_PARAM_CONSOLE_EVTCHN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_CONSOLE_EVTCHN")
    public static final int CONSOLE_EVTCHN = 18;

    /** Location of the ACPI PM ports: {@code HVM_PARAM_ACPI_IOPORTS_LOCATION} (hvm/params.h). */
    @XenConstant("HVM_PARAM_ACPI_IOPORTS_LOCATION")
    public static final int ACPI_IOPORTS_LOCATION = 19;

    /** Obsolete: {@code HVM_PARAM_MEMORY_EVENT_CR0} (hvm/params.h). */
    @XenConstant("HVM_PARAM_MEMORY_EVENT_CR0")
    public static final int MEMORY_EVENT_CR0 = 20;

    /** Obsolete: {@code HVM_PARAM_MEMORY_EVENT_CR3} (hvm/params.h). */
    @XenConstant("HVM_PARAM_MEMORY_EVENT_CR3")
    public static final int MEMORY_EVENT_CR3 = 21;

    /** Obsolete: {@code HVM_PARAM_MEMORY_EVENT_CR4} (hvm/params.h). */
    @XenConstant("HVM_PARAM_MEMORY_EVENT_CR4")
    public static final int MEMORY_EVENT_CR4 = 22;

    /** Obsolete: {@code HVM_PARAM_MEMORY_EVENT_INT3} (hvm/params.h). */
    @XenConstant("HVM_PARAM_MEMORY_EVENT_INT3")
    public static final int MEMORY_EVENT_INT3 = 23;

    /** Nested virtualisation: {@code HVM_PARAM_NESTEDHVM} (hvm/params.h). */
    @XenConstant("HVM_PARAM_NESTEDHVM")
    public static final int NESTEDHVM = 24;

    /** Obsolete: {@code HVM_PARAM_MEMORY_EVENT_SINGLE_STEP} (hvm/params.h). */
    @XenConstant("HVM_PARAM_MEMORY_EVENT_SINGLE_STEP")
    public static final int MEMORY_EVENT_SINGLE_STEP = 25;

    /** Event channel of the buffered ioreq page: {@code HVM_PARAM_BUFIOREQ_EVTCHN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_BUFIOREQ_EVTCHN")
    public static final int BUFIOREQ_EVTCHN = 26;

    /** Frame of the paging ring: {@code HVM_PARAM_PAGING_RING_PFN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_PAGING_RING_PFN")
    public static final int PAGING_RING_PFN = 27;

    /** Frame of the monitor ring: {@code HVM_PARAM_MONITOR_RING_PFN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_MONITOR_RING_PFN")
    public static final int MONITOR_RING_PFN = 28;

    /** Frame of the sharing ring: {@code HVM_PARAM_SHARING_RING_PFN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_SHARING_RING_PFN")
    public static final int SHARING_RING_PFN = 29;

    /** Obsolete: {@code HVM_PARAM_MEMORY_EVENT_MSR} (hvm/params.h). */
    @XenConstant("HVM_PARAM_MEMORY_EVENT_MSR")
    public static final int MEMORY_EVENT_MSR = 30;

    /** What a triple fault does: {@code HVM_PARAM_TRIPLE_FAULT_REASON} (hvm/params.h). */
    @XenConstant("HVM_PARAM_TRIPLE_FAULT_REASON")
    public static final int TRIPLE_FAULT_REASON = 31;

    /** First ioreq-server frame: {@code HVM_PARAM_IOREQ_SERVER_PFN} (hvm/params.h). */
    @XenConstant("HVM_PARAM_IOREQ_SERVER_PFN")
    public static final int IOREQ_SERVER_PFN = 32;

    /** Number of ioreq-server frames: {@code HVM_PARAM_NR_IOREQ_SERVER_PAGES} (hvm/params.h). */
    @XenConstant("HVM_PARAM_NR_IOREQ_SERVER_PAGES")
    public static final int NR_IOREQ_SERVER_PAGES = 33;

    /** Address of the VM generation id: {@code HVM_PARAM_VM_GENERATION_ID_ADDR} (hvm/params.h). */
    @XenConstant("HVM_PARAM_VM_GENERATION_ID_ADDR")
    public static final int VM_GENERATION_ID_ADDR = 34;

    /** altp2m mode: {@code HVM_PARAM_ALTP2M} (hvm/params.h). */
    @XenConstant("HVM_PARAM_ALTP2M")
    public static final int ALTP2M = 35;

    /** Width of the x87 FIP/FDP: {@code HVM_PARAM_X87_FIP_WIDTH} (hvm/params.h). */
    @XenConstant("HVM_PARAM_X87_FIP_WIDTH")
    public static final int X87_FIP_WIDTH = 36;

    /** TSS for vm86 mode with its size: {@code HVM_PARAM_VM86_TSS_SIZED} (hvm/params.h). */
    @XenConstant("HVM_PARAM_VM86_TSS_SIZED")
    public static final int VM86_TSS_SIZED = 37;

    /** MCA capabilities: {@code HVM_PARAM_MCA_CAP} (hvm/params.h). */
    @XenConstant("HVM_PARAM_MCA_CAP")
    public static final int MCA_CAP = 38;

    /** Type bits of {@code CALLBACK_IRQ}: {@code HVM_PARAM_CALLBACK_IRQ_TYPE_MASK} (hvm/params.h). */
    @XenConstant("HVM_PARAM_CALLBACK_IRQ_TYPE_MASK")
    public static final long CALLBACK_IRQ_TYPE_MASK = 0xFF00000000000000L;

    /** Callback via a GSI: {@code HVM_PARAM_CALLBACK_TYPE_GSI} (hvm/params.h). */
    @XenConstant("HVM_PARAM_CALLBACK_TYPE_GSI")
    public static final int CALLBACK_TYPE_GSI = 0;

    /** Callback via a PCI INTx: {@code HVM_PARAM_CALLBACK_TYPE_PCI_INTX} (hvm/params.h). */
    @XenConstant("HVM_PARAM_CALLBACK_TYPE_PCI_INTX")
    public static final int CALLBACK_TYPE_PCI_INTX = 1;

    /** Callback via an IDT vector (x86): {@code HVM_PARAM_CALLBACK_TYPE_VECTOR} (hvm/params.h). */
    @XenConstant("HVM_PARAM_CALLBACK_TYPE_VECTOR")
    public static final int CALLBACK_TYPE_VECTOR = 2;

    /** Number of parameter indices: {@code HVM_NR_PARAMS} (hvm/params.h). */
    @XenConstant("HVM_NR_PARAMS")
    public static final int NR_PARAMS = 39;

    private HvmParam() {
    }
}

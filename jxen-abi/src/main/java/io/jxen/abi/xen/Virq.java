package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/**
 * Virtual IRQs a domain binds event channels to with {@code EVTCHNOP_bind_virq} (xen.h
 * {@code VIRQ_*}). "Per vCPU" VIRQs are bound on each vCPU separately; "global" ones once.
 */
public final class Virq {

    /** Timebase update and/or requested timeout (per vCPU): {@code VIRQ_TIMER} (xen.h). */
    @XenConstant("VIRQ_TIMER")
    public static final int TIMER = 0;

    /** Request to dump debug info (per vCPU): {@code VIRQ_DEBUG} (xen.h). */
    @XenConstant("VIRQ_DEBUG")
    public static final int DEBUG = 1;

    /** Bytes received on the emergency console (global, dom0): {@code VIRQ_CONSOLE} (xen.h). */
    @XenConstant("VIRQ_CONSOLE")
    public static final int CONSOLE = 2;

    /** Exceptional event for some domain (global, dom0): {@code VIRQ_DOM_EXC} (xen.h). */
    @XenConstant("VIRQ_DOM_EXC")
    public static final int DOM_EXC = 3;

    /** Trace buffer has records available (global, dom0): {@code VIRQ_TBUF} (xen.h). */
    @XenConstant("VIRQ_TBUF")
    public static final int TBUF = 4;

    /** A domain has paused for debugging (global, dom0): {@code VIRQ_DEBUGGER} (xen.h). */
    @XenConstant("VIRQ_DEBUGGER")
    public static final int DEBUGGER = 6;

    /** XenOprofile sample available (per vCPU): {@code VIRQ_XENOPROF} (xen.h). */
    @XenConstant("VIRQ_XENOPROF")
    public static final int XENOPROF = 7;

    /** Bytes received on the console (global, dom0): {@code VIRQ_CON_RING} (xen.h). */
    @XenConstant("VIRQ_CON_RING")
    public static final int CON_RING = 8;

    /** Physical CPU state changed (global, dom0): {@code VIRQ_PCPU_STATE} (xen.h). */
    @XenConstant("VIRQ_PCPU_STATE")
    public static final int PCPU_STATE = 9;

    /** A memory event has occurred (global, dom0): {@code VIRQ_MEM_EVENT} (xen.h). */
    @XenConstant("VIRQ_MEM_EVENT")
    public static final int MEM_EVENT = 10;

    /** Argo inter-domain message notification (global): {@code VIRQ_ARGO} (xen.h). */
    @XenConstant("VIRQ_ARGO")
    public static final int ARGO = 11;

    /** Xen is low on heap memory (global, dom0): {@code VIRQ_ENOMEM} (xen.h). */
    @XenConstant("VIRQ_ENOMEM")
    public static final int ENOMEM = 12;

    /** PMC interrupt (per vCPU): {@code VIRQ_XENPMU} (xen.h). */
    @XenConstant("VIRQ_XENPMU")
    public static final int XENPMU = 13;

    /** Architecture-specific VIRQ 0: {@code VIRQ_ARCH_0} (xen.h). */
    @XenConstant("VIRQ_ARCH_0")
    public static final int ARCH_0 = 16;

    /** Architecture-specific VIRQ 1: {@code VIRQ_ARCH_1} (xen.h). */
    @XenConstant("VIRQ_ARCH_1")
    public static final int ARCH_1 = 17;

    /** Architecture-specific VIRQ 2: {@code VIRQ_ARCH_2} (xen.h). */
    @XenConstant("VIRQ_ARCH_2")
    public static final int ARCH_2 = 18;

    /** Architecture-specific VIRQ 3: {@code VIRQ_ARCH_3} (xen.h). */
    @XenConstant("VIRQ_ARCH_3")
    public static final int ARCH_3 = 19;

    /** Architecture-specific VIRQ 4: {@code VIRQ_ARCH_4} (xen.h). */
    @XenConstant("VIRQ_ARCH_4")
    public static final int ARCH_4 = 20;

    /** Architecture-specific VIRQ 5: {@code VIRQ_ARCH_5} (xen.h). */
    @XenConstant("VIRQ_ARCH_5")
    public static final int ARCH_5 = 21;

    /** Architecture-specific VIRQ 6: {@code VIRQ_ARCH_6} (xen.h). */
    @XenConstant("VIRQ_ARCH_6")
    public static final int ARCH_6 = 22;

    /** Architecture-specific VIRQ 7: {@code VIRQ_ARCH_7} (xen.h). */
    @XenConstant("VIRQ_ARCH_7")
    public static final int ARCH_7 = 23;

    /** Number of VIRQ numbers; valid ones are below it: {@code NR_VIRQS} (xen.h). */
    @XenConstant("NR_VIRQS")
    public static final int NR_VIRQS = 24;

    private Virq() {
    }
}

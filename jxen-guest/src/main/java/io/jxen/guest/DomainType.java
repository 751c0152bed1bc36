package io.jxen.guest;

/** What kind of Xen guest this is, decided at boot (Linux's {@code xen_domain_type}). */
public enum DomainType {
    /** Not running on Xen. */
    NONE,
    /** Paravirtualised: booted from start_info. */
    PV,
    /** Hardware virtualised (HVM, PVH): found Xen by CPUID, no PV start_info. */
    HVM
}

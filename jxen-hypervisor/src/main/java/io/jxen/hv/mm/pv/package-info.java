/**
 * The PV MMU model: page types with type counts, pinning, {@code mmu_update},
 * {@code mmuext_op} and {@code update_va_mapping}, with Xen's rules and error numbers.
 *
 * <p><b>Two kinds of domain.</b> jxen guests are auto-translated by default
 * ({@code XENFEAT_auto_translated_physmap}): they name guest frames, the hypervisor's p2m
 * translates, and the three MMU hypercalls answer {@code -ENOSYS} for them exactly as Xen's
 * HVM and PVH hypercall tables do. A domain created with
 * {@link io.jxen.hv.domain.DomainConfig#pvMmu()} is a PV-MMU domain: it names machine frames in
 * its page-table entries and in {@code mmu_update}'s {@code ptr}, as a classic PV guest does,
 * and the hypervisor keeps Xen's page-type bookkeeping for it. Its memory access through
 * {@link io.jxen.hypercall.GuestPhysicalMemory} is unchanged (the p2m still exists), so the
 * model checks the page-table protocol a PV guest follows, not address translation: a write
 * that goes around the hypercalls is not seen (the references a table holds are the entries as
 * validated, kept per table, so the bookkeeping stays consistent whatever the guest writes).
 *
 * <p><b>Invariant.</b> A frame has one type at a time, so a frame mapped writable by some
 * validated L1 entry (type {@code writable}, count &gt; 0) is never a page table, and a page
 * table is never mapped writable.
 *
 * <p><b>Foreign owners and linear page tables.</b> {@code mmu_update}'s {@code foreigndom}
 * names the owner of the mapped pages (FD) and of the page tables (PFD + 1, bits 16-31), and
 * {@code mmuext_op}'s the owner of the pages pinned or cleared; the dummy XSM policy lets only a
 * privileged caller name another domain ({@code -EPERM}); an unknown one, or the caller's own id
 * given explicitly, is {@code -ESRCH}. A frame of another domain mapped by an L1 entry is
 * referenced: its owner cannot give it back, and it outlives its owner until the entry goes.
 * Linear page tables follow {@code get_lN_linear_pagetable} with XSA-240's one-level rule
 * ({@link io.jxen.hv.mm.pv.PageInfo#linearCount()}).
 *
 * <p><b>Departures, stated.</b> Xen's stub-domain exception ({@code xsm_priv_mapping}: a
 * privileged page owner passing on its target's pages) is not modelled; an L1 entry may map a frame the
 * domain owns or one it has in its p2m through a grant mapping (read-only grants read-only),
 * where Xen would require the grant to create the PTE itself; TLB and cache flushes are no-ops
 * once their arguments are checked; flag masks are simplified to bits 52-62 everywhere and
 * PSE/GLOBAL above L1; frames given back by {@code decrease_reservation} while typed are not
 * checked.
 */
package io.jxen.hv.mm.pv;

package io.jxen.hv.mm.pv;

import io.jxen.abi.XenErrno;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.MmuExtCmd;
import io.jxen.abi.xen.MmuExtOpDescriptor;
import io.jxen.abi.xen.MmuUpdateDescriptor;
import io.jxen.abi.xen.MmuUpdateType;
import io.jxen.abi.xen.Uvmf;
import io.jxen.abi.xen.X86_64Layout;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.domain.Vcpu;
import io.jxen.hv.mm.Fields;
import io.jxen.hv.mm.M2p;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The PV MMU hypercalls (xen/arch/x86/pv/mm.c and mm.c): {@code mmu_update},
 * {@code mmuext_op} and {@code update_va_mapping}, for domains created with
 * {@link io.jxen.hv.domain.DomainConfig#pvMmu()}; auto-translated domains get {@code -ENOSYS}, as
 * Xen's HVM/PVH hypercall tables have no entry for them. See the package documentation.
 */
public final class MmuOps {

    /**
     * {@code MMU_UPDATE_PREEMPTED}: the count's top bit, set by Xen's own continuations (jxen
     * never preempts). Xen-internal (xen/arch/x86/mm.c), not in the public headers, so not a
     * jxen-abi constant.
     */
    public static final long MMU_UPDATE_PREEMPTED = 1L << 31;
    /**
     * Most LDT entries {@code MMUEXT_SET_LDT} accepts: 8192, the x86 descriptor-table limit of
     * 64 KiB over 8-byte descriptors (architectural, Intel SDM vol. 3 3.5.1; not a Xen header value).
     */
    public static final long MAX_LDT_ENTS = 8192;

    private final MachineMemory memory;
    private final M2p m2p;
    private final PageTypes types;
    private final DomainLookup domains;
    private final Map<Vcpu, long[]> vcpuState = new HashMap<>();

    /**
     * @param memory  machine memory
     * @param m2p     frame owners
     * @param types   the host's page types
     * @param domains live domains, for foreign page and page-table owners
     */
    public MmuOps(MachineMemory memory, M2p m2p, PageTypes types, DomainLookup domains) {
        this.memory = memory;
        this.m2p = m2p;
        this.types = types;
        this.domains = domains;
    }

    /** The host's page types. */
    public PageTypes types() {
        return types;
    }

    // [0] base pointer (L4 mfn, -1 none), [1] user base pointer, [2] LDT base, [3] LDT entries
    private long[] state(Vcpu v) {
        return vcpuState.computeIfAbsent(v, k -> new long[] {-1, -1, 0, 0});
    }

    /** vCPU {@code v}'s base pointer (the L4 of NEW_BASEPTR), -1 if none. */
    public long basePointer(Vcpu v) {
        return state(v)[0];
    }

    /** vCPU {@code v}'s LDT: {base, entries}. */
    public long[] ldt(Vcpu v) {
        long[] s = state(v);
        return new long[] {s[2], s[3]};
    }

    /** The domain is destroyed: its vCPU state and page types go. */
    public void release(Domain d) {
        vcpuState.keySet().removeIf(v -> v.domain() == d);
        types.release(d);
    }

    /**
     * The domains an {@code mmu_update}/{@code mmuext_op} acts on: {@code pt} owns the page
     * tables, {@code pg} the pages they map (null: {@code DOMID_IO}, or {@code DOMID_XEN} for
     * {@code mmuext_op}), or {@code error} (a negative errno).
     */
    private record Owners(Domain pt, Domain pg, long error) {
        static Owners failed(long errno) {
            return new Owners(null, null, errno);
        }
    }

    // get_pg_owner (mm.c): DOMID_SELF is the caller; the caller's own id named explicitly is
    // refused ("Cannot specify itself as foreign domain"); DOMID_IO and DOMID_XEN are Xen's
    // pseudo-domains; an unknown domain is -ESRCH.
    private Owners pgOwner(Domain d, int pg, Domain pt) {
        if (pg == DomId.SELF) {
            return new Owners(pt, d, 0);
        }
        if (pg == d.domid()) {
            return Owners.failed(-XenErrno.ESRCH);
        }
        if (pg == DomId.IO || pg == DomId.XEN) {
            return new Owners(pt, null, 0);
        }
        Domain f = domains.byId(pg);
        return f == null ? Owners.failed(-XenErrno.ESRCH) : new Owners(pt, f, 0);
    }

    // do_mmu_update: foreigndom[31:16] = PFD + 1 (page-table owner, 0: the caller),
    // foreigndom[15:0] = FD (owner of the mapped pages).
    private Owners mmuOwners(Domain d, long foreigndom) {
        int ptDom = (int) ((foreigndom >>> 16) & 0xFFFF);
        Domain pt = d;
        if (ptDom != 0) {
            pt = domains.byId(ptDom - 1);
            if (pt == null) {
                return Owners.failed(-XenErrno.ESRCH);
            }
        }
        return pgOwner(d, (int) (foreigndom & 0xFFFF), pt);
    }

    // xsm_mmu_update under the dummy policy (XSM_TARGET): the caller may act on its own tables
    // and pages; a privileged caller on any domain's; DOMID_IO is not checked.
    private static long xsmMmuUpdate(Domain d, Owners o) {
        if (o.pg() != null && DomainLookup.xsmTarget(d, o.pg()) != 0) {
            return -XenErrno.EPERM;
        }
        return DomainLookup.xsmTarget(d, o.pt());
    }

    private static void writeDone(Domain d, long pdone, long done) {
        if (pdone != 0) {
            d.guest().put32(pdone, (int) done);
        }
    }

    /**
     * {@code do_mmu_update(ureqs, count, pdone, foreigndom)}: with {@code foreigndom} naming
     * another domain's pages (FD) or page tables (PFD + 1 in bits 16-31), the caller must be
     * privileged ({@code -EPERM}); an unknown domain, or the caller's own id given as FD, is
     * {@code -ESRCH} before any request runs. L1 entries then map FD's frames; L2-L4 updates
     * need FD == PFD ({@code -EINVAL}); {@code MMU_MACHPHYS_UPDATE} needs PFD to be the caller
     * ({@code -EPERM}) and the frame to be FD's.
     */
    public long mmuUpdate(Vcpu caller, long ureqs, long count, long pdone, long foreigndom) {
        Domain d = caller.domain();
        if (!d.config().pvMmu()) {
            return -XenErrno.ENOSYS;
        }
        Owners owners = mmuOwners(d, foreigndom);
        if (owners.error() != 0) {
            return owners.error();
        }
        long rc = 0;
        long n = count & 0xFFFF_FFFFL & ~MMU_UPDATE_PREEMPTED;
        long i = 0;
        for (; i < n; i++) {
            MemorySegment req;
            try {
                req = d.guest().copyIn(ureqs + i * MmuUpdateDescriptor.SIZE, MmuUpdateDescriptor.SIZE);
            } catch (io.jxen.hv.mm.GuestFault f) {
                rc = -XenErrno.EFAULT;
                break;
            }
            long ptr = Fields.u64(req, MmuUpdateDescriptor.PTR_OFFSET);
            long val = Fields.u64(req, MmuUpdateDescriptor.VAL_OFFSET);
            int cmd = (int) (ptr & 7);
            rc = switch (cmd) {
                case MmuUpdateType.NORMAL_PT_UPDATE, MmuUpdateType.PT_UPDATE_NO_TRANSLATE,
                     MmuUpdateType.PT_UPDATE_PRESERVE_AD -> {
                    long xsm = xsmMmuUpdate(d, owners);
                    yield xsm != 0 ? xsm
                            : ptUpdate(owners, ptr & ~7L, val, cmd == MmuUpdateType.PT_UPDATE_PRESERVE_AD);
                }
                case MmuUpdateType.MACHPHYS_UPDATE -> {
                    if (owners.pt() != d) {
                        yield -XenErrno.EPERM;
                    }
                    Domain pg = owners.pg();
                    if (pg == null || DomainLookup.xsmTarget(d, pg) != 0) {
                        yield pg == null ? -XenErrno.EINVAL : -XenErrno.EPERM;
                    }
                    long mfn = ptr >>> 12;
                    if (!types.owns(pg, mfn)) {
                        yield -XenErrno.EINVAL; // "Could not get page for mach->phys update"
                    }
                    m2p.set(mfn, pg.domid(), val);
                    yield 0;
                }
                default -> -XenErrno.ENOSYS; // "Invalid page update command"
            };
            if (rc != 0) {
                break;
            }
        }
        writeDone(d, pdone, i);
        return rc;
    }

    // MMU_NORMAL_PT_UPDATE: the PTE at machine address addr (a frame of the page-table owner)
    // becomes val.
    private long ptUpdate(Owners owners, long addr, long val, boolean preserveAd) {
        Domain pt = owners.pt();
        long mfn = addr >>> 12;
        if (!types.owns(pt, mfn)) {
            return -XenErrno.EINVAL; // "Could not get page for normal update"
        }
        int offset = (int) (addr & 0xFFF);
        PageInfo info = types.info(mfn);
        if (info != null && info.count > 0 && info.type.pageTable()) {
            if (info.type.level() > 1 && owners.pg() != pt) {
                return -XenErrno.EINVAL; // L2-L4: "if ( unlikely(pg_owner != pt_owner) ) break;"
            }
            return modEntry(pt, mfn, info, offset, val, preserveAd, owners.pg());
        }
        if (info != null && info.count > 0 && info.type != PageType.WRITABLE) {
            return -XenErrno.EINVAL; // cannot take PGT_writable_page
        }
        OrderedAccess.setLongVolatile(memory.frame(mfn), offset, val);
        return 0;
    }

    // mod_lN_entry: validate the new entry, write it, drop the old entry's reference.
    private int modEntry(Domain d, long mfn, PageInfo info, int offset, long nval, boolean preserveAd, Domain pgOwner) {
        int level = info.type.level();
        int slot = offset / 8;
        if (level == 4 && PageTypes.xenSlot(slot)) {
            return -XenErrno.EINVAL; // "Illegal L4 update attempt in Xen-private area"
        }
        long old = info.entries[slot];
        if (preserveAd) {
            nval |= old & (PageTypes.ACCESSED | PageTypes.DIRTY);
        }
        boolean fastPath = (nval & PageTypes.PRESENT) != 0 && (old & PageTypes.PRESENT) != 0
                && PageTypes.mfnOf(old) == PageTypes.mfnOf(nval)
                && (old & PageTypes.RW) == (nval & PageTypes.RW)
                && (nval & PageTypes.HIGH_DISALLOWED) == 0
                && (level == 1 || (nval & (PageTypes.PSE | PageTypes.GLOBAL)) == 0);
        if (!fastPath) {
            int rc = types.getRef(d, mfn, level, nval, pgOwner);
            if (rc != 0) {
                return rc;
            }
        }
        OrderedAccess.setLongVolatile(memory.frame(mfn), offset, nval);
        info.entries[slot] = nval;
        if (!fastPath) {
            types.putRef(d, mfn, level, old);
        }
        return 0;
    }

    /**
     * {@code do_mmuext_op(uops, count, pdone, foreigndom)}: {@code foreigndom} names the owner of
     * the pages operated on ({@code get_pg_owner}: unknown, or the caller's own id, {@code -ESRCH});
     * every op is checked by {@code xsm_mmuext_op} ({@code -EPERM} for an unprivileged caller
     * naming another domain); pins, unpins, CLEAR_PAGE and COPY_PAGE act on that owner's frames
     * (validation with its ownership rules), the vCPU ops (base pointers, flushes, LDT) are the
     * caller's own only ({@code currd != pg_owner}: {@code -EPERM}).
     */
    public long mmuextOp(Vcpu caller, long uops, long count, long pdone, long foreigndom) {
        Domain d = caller.domain();
        if (!d.config().pvMmu()) {
            return -XenErrno.ENOSYS;
        }
        Owners owners = pgOwner(d, (int) (foreigndom & 0xFFFF), d);
        if (owners.error() != 0) {
            return owners.error();
        }
        Domain pg = owners.pg();
        long rc = 0;
        long n = count & 0xFFFF_FFFFL & ~MMU_UPDATE_PREEMPTED;
        long i = 0;
        for (; i < n; i++) {
            MemorySegment op;
            try {
                op = d.guest().copyIn(uops + i * MmuExtOpDescriptor.SIZE, MmuExtOpDescriptor.SIZE);
            } catch (io.jxen.hv.mm.GuestFault f) {
                rc = -XenErrno.EFAULT;
                break;
            }
            // xsm_mmuext_op (XSM_TARGET); DOMID_IO/DOMID_XEN are nobody's own
            rc = (pg == null ? !d.privileged() : DomainLookup.xsmTarget(d, pg) != 0) ? -XenErrno.EPERM
                    : extOp(caller, op, pg);
            if (rc != 0) {
                break;
            }
        }
        writeDone(d, pdone, i);
        return rc;
    }

    private long extOp(Vcpu caller, MemorySegment op, Domain pg) {
        Domain d = caller.domain();
        int cmd = (int) Fields.u32(op, MmuExtOpDescriptor.CMD_OFFSET);
        long arg1 = Fields.u64(op, MmuExtOpDescriptor.ARG1_MFN_OFFSET);
        long arg2 = Fields.u64(op, MmuExtOpDescriptor.ARG2_NR_ENTS_OFFSET);
        boolean pageOp = cmd <= MmuExtCmd.UNPIN_TABLE || cmd == MmuExtCmd.CLEAR_PAGE || cmd == MmuExtCmd.COPY_PAGE;
        if (!pageOp && pg != d && isKnown(cmd)) {
            return -XenErrno.EPERM; // "if ( unlikely(currd != pg_owner) ) rc = -EPERM"
        }
        if (pageOp && pg == null) {
            return -XenErrno.EINVAL; // no page of DOMID_IO/DOMID_XEN is a guest's to pin or clear
        }
        return switch (cmd) {
            case MmuExtCmd.PIN_L1_TABLE, MmuExtCmd.PIN_L2_TABLE, MmuExtCmd.PIN_L3_TABLE, MmuExtCmd.PIN_L4_TABLE ->
                    pin(pg, arg1, PageType.table(cmd - MmuExtCmd.PIN_L1_TABLE + 1));
            case MmuExtCmd.UNPIN_TABLE -> unpin(pg, arg1);
            case MmuExtCmd.NEW_BASEPTR -> newBase(caller, arg1, 0);
            case MmuExtCmd.NEW_USER_BASEPTR -> arg1 == 0 ? clearUserBase(caller) : newBase(caller, arg1, 1);
            case MmuExtCmd.TLB_FLUSH_LOCAL, MmuExtCmd.INVLPG_LOCAL, MmuExtCmd.TLB_FLUSH_ALL, MmuExtCmd.INVLPG_ALL -> 0;
            case MmuExtCmd.TLB_FLUSH_MULTI, MmuExtCmd.INVLPG_MULTI -> {
                d.guest().copyIn(arg2, 8); // vcpumask_to_pcpumask reads the guest's bitmap (-EFAULT)
                yield 0;
            }
            case MmuExtCmd.FLUSH_CACHE, MmuExtCmd.FLUSH_CACHE_GLOBAL ->
                    d.privileged() ? 0 : -XenErrno.EACCES; // cache_flush_permitted
            case MmuExtCmd.SET_LDT -> {
                long ents = arg2 & 0xFFFF_FFFFL;
                if ((arg1 & 0xFFF) != 0 || !canonical(arg1) || ents > MAX_LDT_ENTS) {
                    yield -XenErrno.EINVAL; // "Bad args to SET_LDT"
                }
                long[] s = state(caller);
                s[2] = arg1;
                s[3] = ents;
                yield 0;
            }
            case MmuExtCmd.CLEAR_PAGE -> {
                if (!types.owns(pg, arg1) || types.getType(pg, arg1, PageType.WRITABLE) != 0) {
                    yield -XenErrno.EINVAL;
                }
                memory.frame(arg1).fill((byte) 0);
                types.putType(pg, arg1);
                yield 0;
            }
            case MmuExtCmd.COPY_PAGE -> {
                if (!types.owns(pg, arg2) || !types.owns(pg, arg1) || types.getType(pg, arg1, PageType.WRITABLE) != 0) {
                    yield -XenErrno.EINVAL;
                }
                MemorySegment.copy(memory.frame(arg2), 0, memory.frame(arg1), 0, 4096);
                types.putType(pg, arg1);
                yield 0;
            }
            case MmuExtCmd.MARK_SUPER, MmuExtCmd.UNMARK_SUPER -> -XenErrno.EOPNOTSUPP;
            default -> -XenErrno.ENOSYS;
        };
    }

    private static boolean isKnown(int cmd) {
        return cmd >= MmuExtCmd.PIN_L1_TABLE && cmd <= MmuExtCmd.FLUSH_CACHE_GLOBAL && cmd != 14;
    }

    private static boolean canonical(long va) {
        return (va >> 47) == 0 || (va >> 47) == -1;
    }

    private long pin(Domain d, long mfn, PageType type) {
        if (!types.owns(d, mfn)) {
            return -XenErrno.EINVAL;
        }
        int rc = types.getType(d, mfn, type);
        if (rc != 0) {
            return rc;
        }
        PageInfo info = types.info(mfn);
        if (info.pinned) {
            types.putType(d, mfn);
            return -XenErrno.EINVAL; // "mfn already pinned"
        }
        info.pinned = true;
        return 0;
    }

    private long unpin(Domain d, long mfn) {
        if (!types.owns(d, mfn)) {
            return -XenErrno.EINVAL; // "mfn bad, or bad owner"
        }
        PageInfo info = types.info(mfn);
        if (info == null || !info.pinned) {
            return -XenErrno.EINVAL; // "mfn not pinned"
        }
        info.pinned = false;
        types.putType(d, mfn);
        return 0;
    }

    // new_guest_cr3 / the user base of a 64-bit PV vCPU: the new L4 takes a type reference,
    // the old one drops its own.
    private long newBase(Vcpu v, long mfn, int which) {
        Domain d = v.domain();
        long[] s = state(v);
        if (s[which] == mfn) {
            return 0;
        }
        if (!types.owns(d, mfn)) {
            return -XenErrno.EINVAL;
        }
        int rc = types.getType(d, mfn, PageType.L4);
        if (rc != 0) {
            return rc;
        }
        if (s[which] >= 0) {
            types.putType(d, s[which]);
        }
        s[which] = mfn;
        return 0;
    }

    private long clearUserBase(Vcpu v) {
        long[] s = state(v);
        if (s[1] >= 0) {
            types.putType(v.domain(), s[1]);
        }
        s[1] = -1;
        return 0;
    }

    /**
     * {@code do_update_va_mapping(va, val, flags)}: the L1 entry for {@code va} is found by
     * walking the vCPU's tables from its base pointer (none, a non-canonical {@code va}, one in
     * Xen's range, or a missing level: {@code -EINVAL}), then updated as by
     * {@code MMU_NORMAL_PT_UPDATE}; a flush with a vCPU mask reads the mask ({@code -EFAULT}).
     */
    public long updateVaMapping(Vcpu caller, long va, long val, long flags) {
        Domain d = caller.domain();
        if (!d.config().pvMmu()) {
            return -XenErrno.ENOSYS;
        }
        if (!canonical(va) || (va >= X86_64Layout.HYPERVISOR_VIRT_START && va < X86_64Layout.HYPERVISOR_VIRT_END)) {
            return -XenErrno.EINVAL;
        }
        long table = state(caller)[0];
        if (table < 0) {
            return -XenErrno.EINVAL;
        }
        for (int level = 4; level > 1; level--) {
            PageInfo info = types.info(table);
            int slot = (int) ((va >>> (12 + 9 * (level - 1))) & 511);
            long e = info == null || info.entries == null ? 0 : info.entries[slot];
            if ((e & PageTypes.PRESENT) == 0) {
                return -XenErrno.EINVAL; // no L1 table maps va
            }
            table = PageTypes.mfnOf(e);
        }
        PageInfo l1 = types.info(table);
        if (l1 == null || l1.type != PageType.L1 || l1.count == 0) {
            return -XenErrno.EINVAL;
        }
        int rc = modEntry(d, table, l1, (int) (((va >>> 12) & 511) * 8), val, false, d);
        if (rc != 0) {
            return rc;
        }
        long flushType = flags & Uvmf.FLUSHTYPE_MASK;
        long bmap = flags & ~(long) Uvmf.FLUSHTYPE_MASK;
        if (flushType != Uvmf.NONE && bmap != Uvmf.LOCAL && bmap != Uvmf.ALL) {
            d.guest().copyIn(bmap, 8); // a guest vCPU mask (-EFAULT)
        }
        return 0;
    }
}

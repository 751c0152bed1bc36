package io.jxen.hv.mm.pv;

import io.jxen.abi.XenErrno;
import io.jxen.abi.xen.X86_64Layout;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainLookup;
import io.jxen.hv.mm.HostMemory;
import io.jxen.hv.mm.M2p;
import io.jxen.hypercall.P2mEntry;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Page types and type counts of every machine frame (xen/arch/x86/mm.c {@code _get_page_type},
 * {@code _put_page_type}, {@code get_page_from_lNe}, {@code put_page_from_lNe},
 * {@code alloc_lN_table}): a frame has one type at a time; the type can change only while its
 * count is 0; the first reference to a page-table type validates every present entry (taking
 * the references the entries need), the last one drops them.
 *
 * <p>Entry rules, 64-bit PV (the {@code -errno} is Xen's):
 * <ul>
 *   <li>flag bits 52-62 in any entry, or PSE or GLOBAL above L1 ({@code *_DISALLOW_MASK}):
 *       {@code -EINVAL};</li>
 *   <li>L1 ({@code get_page_from_l1e(l1e, l1e_owner, pg_owner)}): a frame beyond host memory
 *       is MMIO, refused to an unprivileged domain ({@code -EPERM}); otherwise the frame's
 *       owner must be the page owner ({@code real_pg_owner != pg_owner}) -- the table's owner,
 *       or for a privileged {@code mmu_update} the foreign domain it names -- or, for the
 *       table's owner, a frame granted into its p2m; else, or for a writable mapping of a page
 *       that cannot take {@code PGT_writable_page} (a page table, a descriptor page, or a
 *       read-only grant): {@code -EBUSY} ({@code could_not_pin}). A frame of another domain
 *       mapped this way is referenced ({@code page_get_owner_and_reference}): its owner cannot
 *       give it back, and if the owner dies it stays allocated until the last entry goes;</li>
 *   <li>L2/L3/L4: the frame must be the domain's ({@code -EINVAL}) and take the next lower
 *       table type; on a type clash ({@code -EINVAL}) Xen's {@code get_lN_linear_pagetable}
 *       rules allow a <em>linear</em> entry: read-only, and either pointing at the table
 *       itself (no reference taken) or at an already validated table of the same level and
 *       domain that has no linear entries of its own, from a table that is not itself a linear
 *       target (XSA-240: one level of recursion only; {@link PageInfo#linearCount()});</li>
 *   <li>L4 slots 256-271 are Xen's: ignored when validating, {@code -EINVAL} to update.</li>
 * </ul>
 * Hypervisor lock held for every call.
 */
public final class PageTypes {

    // The PTE bits below are the x86 architecture's (Intel SDM vol. 3 4.5, table 4-19), which
    // Xen's PV ABI passes through (xen.h: "PTE bit 7 is PAT, not PSE, for PV" aside); Xen's
    // _PAGE_* macros are hypervisor-internal (asm/x86_64/page.h), not public headers, so the
    // gcc oracle has nothing to check them against.

    /** {@code _PAGE_PRESENT}. */
    public static final long PRESENT = 1L;
    /** {@code _PAGE_RW}. */
    public static final long RW = 1L << 1;
    /** {@code _PAGE_ACCESSED}. */
    public static final long ACCESSED = 1L << 5;
    /** {@code _PAGE_DIRTY}. */
    public static final long DIRTY = 1L << 6;
    /** {@code _PAGE_PSE}. */
    public static final long PSE = 1L << 7;
    /** {@code _PAGE_GLOBAL}. */
    public static final long GLOBAL = 1L << 8;
    /** Flag bits 52-62, which no guest entry may set. */
    public static final long HIGH_DISALLOWED = 0x7FF0_0000_0000_0000L;
    /** Frame number bits 12-51. */
    public static final long MFN_MASK = 0x000F_FFFF_FFFF_F000L;
    /** Entries per page-table page. */
    public static final int ENTRIES = 512;
    /** First L4 slot reserved for Xen ({@code ROOT_PAGETABLE_FIRST_XEN_SLOT}): the one of {@code HYPERVISOR_VIRT_START}. */
    public static final int FIRST_XEN_SLOT = (int) ((X86_64Layout.HYPERVISOR_VIRT_START >>> 39) & 511);
    /** Last L4 slot reserved for Xen ({@code ROOT_PAGETABLE_LAST_XEN_SLOT}): the one before {@code HYPERVISOR_VIRT_END}. */
    public static final int LAST_XEN_SLOT = (int) (((X86_64Layout.HYPERVISOR_VIRT_END - 1) >>> 39) & 511);

    private final MachineMemory memory;
    private final M2p m2p;
    private final HostMemory host;
    private final DomainLookup domains;
    private final Map<Long, PageInfo> pages = new HashMap<>();
    /** Frames of one domain referenced by L1 entries of another's tables: how many entries. */
    private final Map<Long, Integer> foreignRefs = new HashMap<>();

    /** @param host the host's memory and frame owners; @param domains live domains (frame owners) */
    public PageTypes(HostMemory host, DomainLookup domains) {
        this.host = host;
        this.memory = host.memory();
        this.m2p = host.m2p();
        this.domains = domains;
    }

    /** How many L1 entries of other domains' tables reference {@code mfn} (0 if none). */
    public int foreignRefs(long mfn) {
        return foreignRefs.getOrDefault(mfn, 0);
    }

    /** The frame number in an entry. */
    public static long mfnOf(long pte) {
        return (pte & MFN_MASK) >>> 12;
    }

    /** Whether L4 slot {@code slot} is Xen's. */
    public static boolean xenSlot(int slot) {
        return slot >= FIRST_XEN_SLOT && slot <= LAST_XEN_SLOT;
    }

    /** The info of {@code mfn}, or null if it never had a type. */
    public PageInfo info(long mfn) {
        return pages.get(mfn);
    }

    /** Frames with a type count or a pin, for checks. */
    public Map<Long, PageInfo> typed() {
        Map<Long, PageInfo> out = new HashMap<>();
        pages.forEach((mfn, info) -> {
            if (info.count > 0 || info.pinned) {
                out.put(mfn, info);
            }
        });
        return out;
    }

    /** Whether {@code mfn} is a frame of {@code d}. */
    public boolean owns(Domain d, long mfn) {
        return mfn >= 0 && mfn < memory.frames() && m2p.owner(mfn) == d.domid();
    }

    private PageInfo infoFor(long mfn) {
        return pages.computeIfAbsent(mfn, k -> new PageInfo());
    }

    /** {@code get_page_type(mfn, type)}: 0 or a negative errno. */
    public int getType(Domain d, long mfn, PageType type) {
        PageInfo info = infoFor(mfn);
        if (info.validating) {
            return -XenErrno.EINVAL;
        }
        if (info.count == 0) {
            if (type.pageTable()) {
                info.validating = true;
                info.type = type;
                try {
                    int rc = validate(d, mfn, type.level(), info);
                    if (rc != 0) {
                        info.type = PageType.NONE;
                        return rc;
                    }
                } finally {
                    info.validating = false;
                }
            }
            info.type = type;
            info.count = 1;
            return 0;
        }
        if (info.type != type) {
            return -XenErrno.EINVAL; // "Bad type (saw ... != exp ...)"
        }
        info.count++;
        return 0;
    }

    /** {@code put_page_type(mfn)}: the last reference to a page table drops its entries' references. */
    public void putType(Domain d, long mfn) {
        PageInfo info = pages.get(mfn);
        if (info == null || info.count == 0) {
            return; // the owner died and took its types with it
        }
        if (--info.count == 0) {
            long[] entries = info.entries;
            int level = info.type.level();
            info.entries = null;
            info.type = PageType.NONE;
            if (entries != null) {
                for (long e : entries) {
                    putRef(d, mfn, level, e);
                }
            }
        }
    }

    // alloc_lN_table: every present entry takes its reference; on failure the ones taken are dropped.
    private int validate(Domain d, long mfn, int level, PageInfo info) {
        MemorySegment frame = memory.frame(mfn);
        long[] entries = new long[ENTRIES];
        for (int i = 0; i < ENTRIES; i++) {
            if (level == 4 && xenSlot(i)) {
                continue;
            }
            long e = OrderedAccess.getLongVolatile(frame, 8L * i);
            int rc = getRef(d, mfn, level, e, d); // alloc_lN_table: the table's owner owns the pages
            if (rc != 0) {
                for (int j = 0; j < i; j++) {
                    putRef(d, mfn, level, entries[j]);
                }
                return rc;
            }
            entries[i] = e;
        }
        info.entries = entries;
        return 0;
    }

    /**
     * {@code get_page_from_lNe}: the reference entry {@code pte} of the level-{@code level} table
     * {@code table} of domain {@code d} needs.
     *
     * @param pgOwner whose frames an L1 entry may map ({@code pg_owner}): {@code d} itself, the
     *                foreign domain of a privileged {@code mmu_update}, or null for
     *                {@code DOMID_IO} (I/O memory only)
     */
    public int getRef(Domain d, long table, int level, long pte, Domain pgOwner) {
        if ((pte & PRESENT) == 0) {
            return 0;
        }
        if ((pte & HIGH_DISALLOWED) != 0 || (level > 1 && (pte & (PSE | GLOBAL)) != 0)) {
            return -XenErrno.EINVAL; // "Bad Ln flags"
        }
        long mfn = mfnOf(pte);
        if (level == 1) {
            return getL1Ref(d, mfn, (pte & RW) != 0, pgOwner);
        }
        if (!owns(d, mfn)) {
            return -XenErrno.EINVAL; // get_page_from_mfn failed
        }
        int rc = getType(d, mfn, PageType.table(level - 1));
        if (rc == -XenErrno.EINVAL && linear(d, table, level, pte)) {
            return 0;
        }
        return rc;
    }

    private int getL1Ref(Domain d, long mfn, boolean rw, Domain pgOwner) {
        if (mfn >= memory.frames()) {
            // Not RAM: I/O memory. DOMID_IO "reverts to caller for privilege checks".
            Domain who = pgOwner == null ? d : pgOwner;
            return who.privileged() ? -XenErrno.EINVAL : -XenErrno.EPERM;
        }
        if (pgOwner == null) {
            return -XenErrno.EBUSY; // RAM is not DOMID_IO's: real_pg_owner != pg_owner
        }
        int owner = m2p.owner(mfn);
        if (owner != pgOwner.domid()) {
            if (pgOwner != d) {
                return -XenErrno.EBUSY; // "pg_owner d%d l1e_owner d%d, but real_pg_owner d%d"
            }
            int grant = grantedTo(d, mfn);
            if (grant == 0 || (rw && grant == 1)) {
                return -XenErrno.EBUSY;
            }
        }
        if (rw && getType(d, mfn, PageType.WRITABLE) != 0) {
            return -XenErrno.EBUSY; // "Could not get page type PGT_writable_page"
        }
        Domain frameOwner = owner == d.domid() ? null : domains.byId(owner);
        if (frameOwner != null) {
            // page_get_owner_and_reference: the page stays while the entry references it.
            frameOwner.physMap().pin(mfn);
            host.retain(mfn);
            foreignRefs.merge(mfn, 1, Integer::sum);
        }
        return 0;
    }

    // get_lN_linear_pagetable (mm.c, define_get_linear_pagetable), after the normal type failed.
    private boolean linear(Domain d, long table, int level, long pte) {
        if ((pte & RW) != 0) {
            return false; // "Attempt to create linear p.t. with write perms"
        }
        long mfn = mfnOf(pte);
        if (mfn == table) {
            return true; // the table maps itself: no reference
        }
        PageInfo containing = infoFor(table);
        PageInfo target = pages.get(mfn);
        if (target == null || target.type != PageType.table(level) || target.count == 0 || target.validating) {
            return false; // not an already-validated table of the same level
        }
        if (containing.linear < 0 || target.linear > 0) {
            return false; // inc_linear_entries / inc_linear_uses: no second level of recursion
        }
        containing.linear++;
        target.linear--;
        target.count++;
        return true;
    }

    /** {@code put_page_from_lNe} for an entry of the level-{@code level} table {@code table} of {@code d}. */
    public void putRef(Domain d, long table, int level, long pte) {
        if ((pte & PRESENT) == 0) {
            return;
        }
        long mfn = mfnOf(pte);
        if (level == 1) {
            if ((pte & RW) != 0) {
                putType(d, mfn);
            }
            if (mfn < memory.frames() && m2p.owner(mfn) != d.domid()) {
                dropForeignRef(mfn);
            }
            return;
        }
        if (mfn == table) {
            return; // a self-map took nothing
        }
        PageInfo target = pages.get(mfn);
        if (target != null && target.count > 0 && target.type == PageType.table(level)) {
            // put_pt_page: a linear entry (same type as its table)
            target.linear++;
            PageInfo containing = pages.get(table);
            if (containing != null) {
                containing.linear--;
            }
        }
        putType(d, mfn);
    }

    private void dropForeignRef(long mfn) {
        Integer n = foreignRefs.get(mfn);
        if (n == null) {
            return; // a Xen page in the p2m (shared_info): no reference was taken
        }
        if (n == 1) {
            foreignRefs.remove(mfn);
        } else {
            foreignRefs.put(mfn, n - 1);
        }
        Domain owner = domains.byId(m2p.owner(mfn));
        if (owner != null) {
            owner.physMap().unpin(mfn);
        }
        host.release(mfn); // frees it if its owner died meanwhile and this was the last reference
    }

    // 0: not mapped into d from elsewhere; 1: read-only; 2: writable (grant mappings and
    // Xen pages such as shared_info sit in d's p2m as foreign entries).
    private static int grantedTo(Domain d, long mfn) {
        var p2m = d.physMap().p2m();
        int best = 0;
        for (long gfn = 0; gfn < p2m.gfnLimit(); gfn++) {
            long e = p2m.get(gfn);
            if (P2mEntry.present(e) && P2mEntry.foreign(e) && P2mEntry.mfn(e) == mfn) {
                best = Math.max(best, P2mEntry.readOnly(e) ? 1 : 2);
            }
        }
        return best;
    }

    /**
     * The domain is destroyed ({@code domain_relinquish_resources}): references its tables hold
     * on other domains' frames are dropped, then every type of its own frames is forgotten.
     */
    public void release(Domain d) {
        for (Map.Entry<Long, PageInfo> e : new java.util.ArrayList<>(pages.entrySet())) {
            PageInfo info = e.getValue();
            if (owns(d, e.getKey()) && info.type == PageType.L1 && info.entries != null) {
                for (long pte : info.entries) {
                    if ((pte & PRESENT) != 0 && !owns(d, mfnOf(pte))) {
                        putRef(d, e.getKey(), 1, pte);
                    }
                }
            }
        }
        Iterator<Map.Entry<Long, PageInfo>> it = pages.entrySet().iterator();
        while (it.hasNext()) {
            if (owns(d, it.next().getKey())) {
                it.remove();
            }
        }
    }
}

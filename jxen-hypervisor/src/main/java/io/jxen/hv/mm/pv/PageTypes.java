package io.jxen.hv.mm.pv;

import io.jxen.abi.XenErrno;
import io.jxen.hv.domain.Domain;
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
 *   <li>L1: a frame beyond host memory is MMIO, refused to an unprivileged domain
 *       ({@code -EPERM}); a frame neither owned nor granted ({@code real_pg_owner != pg_owner})
 *       or a writable mapping of a page that cannot take {@code PGT_writable_page} (a page
 *       table, a descriptor page, or a read-only grant): {@code -EBUSY}
 *       ({@code could_not_pin});</li>
 *   <li>L2/L3/L4: the frame must be the domain's ({@code -EINVAL}) and take the next lower
 *       table type ({@code -EINVAL} on a type clash; linear page tables are not supported, as
 *       with {@code CONFIG_PV_LINEAR_PT=n});</li>
 *   <li>L4 slots 256-271 are Xen's: ignored when validating, {@code -EINVAL} to update.</li>
 * </ul>
 * Hypervisor lock held for every call.
 */
public final class PageTypes {

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
    /** First L4 slot reserved for Xen ({@code ROOT_PAGETABLE_FIRST_XEN_SLOT}). */
    public static final int FIRST_XEN_SLOT = 256;
    /** Last L4 slot reserved for Xen ({@code ROOT_PAGETABLE_LAST_XEN_SLOT}). */
    public static final int LAST_XEN_SLOT = 271;

    private final MachineMemory memory;
    private final M2p m2p;
    private final Map<Long, PageInfo> pages = new HashMap<>();

    /** @param memory machine memory; @param m2p frame owners */
    public PageTypes(MachineMemory memory, M2p m2p) {
        this.memory = memory;
        this.m2p = m2p;
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
                    putRef(d, level, e);
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
            int rc = getRef(d, level, e);
            if (rc != 0) {
                for (int j = 0; j < i; j++) {
                    putRef(d, level, entries[j]);
                }
                return rc;
            }
            entries[i] = e;
        }
        info.entries = entries;
        return 0;
    }

    /** {@code get_page_from_lNe}: the reference entry {@code pte} of a level-{@code level} table needs. */
    public int getRef(Domain d, int level, long pte) {
        if ((pte & PRESENT) == 0) {
            return 0;
        }
        if ((pte & HIGH_DISALLOWED) != 0 || (level > 1 && (pte & (PSE | GLOBAL)) != 0)) {
            return -XenErrno.EINVAL; // "Bad Ln flags"
        }
        long mfn = mfnOf(pte);
        if (level == 1) {
            if (mfn >= memory.frames()) {
                return d.privileged() ? -XenErrno.EINVAL : -XenErrno.EPERM;
            }
            boolean rw = (pte & RW) != 0;
            if (!owns(d, mfn)) {
                int grant = grantedTo(d, mfn);
                if (grant == 0 || (rw && grant == 1)) {
                    return -XenErrno.EBUSY;
                }
            }
            if (rw && getType(d, mfn, PageType.WRITABLE) != 0) {
                return -XenErrno.EBUSY; // "Could not get page type PGT_writable_page"
            }
            return 0;
        }
        if (!owns(d, mfn)) {
            return -XenErrno.EINVAL; // get_page_from_mfn failed
        }
        return getType(d, mfn, PageType.table(level - 1));
    }

    /** {@code put_page_from_lNe}. */
    public void putRef(Domain d, int level, long pte) {
        if ((pte & PRESENT) == 0) {
            return;
        }
        long mfn = mfnOf(pte);
        if (level == 1) {
            if ((pte & RW) != 0) {
                putType(d, mfn);
            }
        } else {
            putType(d, mfn);
        }
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
        for (Map.Entry<Long, PageInfo> e : pages.entrySet()) {
            PageInfo info = e.getValue();
            if (owns(d, e.getKey()) && info.type == PageType.L1 && info.entries != null) {
                for (long pte : info.entries) {
                    if ((pte & PRESENT) != 0 && (pte & RW) != 0 && !owns(d, mfnOf(pte))) {
                        putType(d, mfnOf(pte));
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

package io.jxen.hypercall.abi;

/**
 * grant_table.h structure layouts (x86_64), one nested class per structure. Move to jxen-abi.
 */
public final class GrantTableLayouts {

    private GrantTableLayouts() {
    }

    /** {@code struct grant_entry_v1}: {@code u16 flags; domid_t domid; u32 frame}. */
    public static final class EntryV1 {
        /** {@code flags}. */
        public static final int FLAGS = 0;
        /** {@code domid}. */
        public static final int DOMID = 2;
        /** {@code frame}. */
        public static final int FRAME = 4;
        /** {@code sizeof(struct grant_entry_v1)}. */
        public static final int SIZE = 8;

        private EntryV1() {
        }
    }

    /** {@code struct gnttab_map_grant_ref}. */
    public static final class MapGrantRef {
        /** IN {@code host_addr}. */
        public static final int HOST_ADDR = 0;
        /** IN {@code flags} ({@code GNTMAP_*}). */
        public static final int FLAGS = 8;
        /** IN {@code ref}. */
        public static final int REF = 12;
        /** IN {@code dom}. */
        public static final int DOM = 16;
        /** OUT {@code status} ({@code GNTST_*}, int16). */
        public static final int STATUS = 18;
        /** OUT {@code handle}. */
        public static final int HANDLE = 20;
        /** OUT {@code dev_bus_addr}. */
        public static final int DEV_BUS_ADDR = 24;
        /** {@code sizeof}. */
        public static final int SIZE = 32;

        private MapGrantRef() {
        }
    }

    /** {@code struct gnttab_unmap_grant_ref}. */
    public static final class UnmapGrantRef {
        /** IN {@code host_addr}. */
        public static final int HOST_ADDR = 0;
        /** IN {@code dev_bus_addr}. */
        public static final int DEV_BUS_ADDR = 8;
        /** IN {@code handle}. */
        public static final int HANDLE = 16;
        /** OUT {@code status}. */
        public static final int STATUS = 20;
        /** {@code sizeof}. */
        public static final int SIZE = 24;

        private UnmapGrantRef() {
        }
    }

    /** {@code struct gnttab_setup_table}. */
    public static final class SetupTable {
        /** IN {@code dom}. */
        public static final int DOM = 0;
        /** IN {@code nr_frames}. */
        public static final int NR_FRAMES = 4;
        /** OUT {@code status}. */
        public static final int STATUS = 8;
        /** OUT {@code frame_list}: guest address of an array of {@code xen_pfn_t}. */
        public static final int FRAME_LIST = 16;
        /** {@code sizeof}. */
        public static final int SIZE = 24;

        private SetupTable() {
        }
    }

    /** {@code struct gnttab_copy}, with its two {@code struct gnttab_copy_ptr}. */
    public static final class Copy {
        /** {@code source.u.ref} / {@code source.u.gmfn}. */
        public static final int SOURCE_U = 0;
        /** {@code source.domid}. */
        public static final int SOURCE_DOMID = 8;
        /** {@code source.offset}. */
        public static final int SOURCE_OFFSET = 10;
        /** {@code dest.u}. */
        public static final int DEST_U = 16;
        /** {@code dest.domid}. */
        public static final int DEST_DOMID = 24;
        /** {@code dest.offset}. */
        public static final int DEST_OFFSET = 26;
        /** {@code len}. */
        public static final int LEN = 32;
        /** {@code flags} ({@code GNTCOPY_*}). */
        public static final int FLAGS = 34;
        /** OUT {@code status}. */
        public static final int STATUS = 36;
        /** {@code sizeof}. */
        public static final int SIZE = 40;

        private Copy() {
        }
    }

    /** {@code struct gnttab_query_size}. */
    public static final class QuerySize {
        /** IN {@code dom}. */
        public static final int DOM = 0;
        /** OUT {@code nr_frames}. */
        public static final int NR_FRAMES = 4;
        /** OUT {@code max_nr_frames}. */
        public static final int MAX_NR_FRAMES = 8;
        /** OUT {@code status}. */
        public static final int STATUS = 12;
        /** {@code sizeof}. */
        public static final int SIZE = 16;

        private QuerySize() {
        }
    }
}

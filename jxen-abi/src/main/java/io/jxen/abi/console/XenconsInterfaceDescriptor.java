package io.jxen.abi.console;

import io.jxen.abi.XenAbi;
import io.jxen.abi.XenConstant;
import io.jxen.abi.XenOffsetof;
import io.jxen.abi.XenSizeof;

/**
 * The PV console page, {@code struct xencons_interface} of io/console.h: two byte rings with
 * free-running 32-bit indices ({@code XENCONS_RING_IDX}), masked by the ring size.
 *
 * <pre>
 *      0 +--------------------------------+
 *        | in[1024]   backend -&gt; guest    |
 *   1024 +--------------------------------+
 *        | out[2048]  guest -&gt; backend    |
 *   3072 +--------+---------+----------+----------+
 *        | in_cons| in_prod | out_cons | out_prod |
 *   3088 +--------+---------+----------+----------+
 * </pre>
 */
public final class XenconsInterfaceDescriptor {

    /** Offset of {@code in}: input ring: the backend produces, the guest consumes (io/console.h). */
    @XenOffsetof(type = "struct xencons_interface", member = "in")
    public static final int IN_OFFSET = 0;

    /** Offset of {@code out}: output ring: the guest produces, the backend consumes (io/console.h). */
    @XenOffsetof(type = "struct xencons_interface", member = "out")
    public static final int OUT_OFFSET = 1024;

    /** Offset of {@code in_cons}: guest's consumer index of {@code in} (io/console.h). */
    @XenOffsetof(type = "struct xencons_interface", member = "in_cons")
    public static final int IN_CONS_OFFSET = 3072;

    /** Offset of {@code in_prod}: backend's producer index of {@code in} (io/console.h). */
    @XenOffsetof(type = "struct xencons_interface", member = "in_prod")
    public static final int IN_PROD_OFFSET = 3076;

    /** Offset of {@code out_cons}: backend's consumer index of {@code out} (io/console.h). */
    @XenOffsetof(type = "struct xencons_interface", member = "out_cons")
    public static final int OUT_CONS_OFFSET = 3080;

    /** Offset of {@code out_prod}: guest's producer index of {@code out} (io/console.h). */
    @XenOffsetof(type = "struct xencons_interface", member = "out_prod")
    public static final int OUT_PROD_OFFSET = 3084;

    /** Bytes in {@code struct xencons_interface} (io/console.h). */
    @XenSizeof("struct xencons_interface")
    public static final int SIZE = 3088;

    /**
     * The C alignment of {@code struct xencons_interface}: where a view of it may start
     * (io/console.h).
     */
    @XenConstant(value = "_Alignof(struct xencons_interface)", abi = XenAbi.X86_64)
    public static final int ALIGNMENT = 4;

    /** Bytes of the {@code in} ring (io/console.h). */
    @XenConstant("sizeof(((struct xencons_interface *)0)->in)")
    public static final int IN_SIZE = 1024;

    /** Bytes of the {@code out} ring (io/console.h). */
    @XenConstant("sizeof(((struct xencons_interface *)0)->out)")
    public static final int OUT_SIZE = 2048;

    /** Bytes of a {@code XENCONS_RING_IDX} (io/console.h). */
    @XenConstant("sizeof(XENCONS_RING_IDX)")
    public static final int RING_IDX_SIZE = 4;

    private XenconsInterfaceDescriptor() {
    }
}

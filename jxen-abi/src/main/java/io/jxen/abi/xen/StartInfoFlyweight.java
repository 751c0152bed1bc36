package io.jxen.abi.xen;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.Flyweight;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import static io.jxen.abi.xen.StartInfoDescriptor.CMD_LINE_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.CONSOLE_DOMU_EVTCHN_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.CONSOLE_DOMU_MFN_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.FIRST_P2M_PFN_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.FLAGS_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.MAGIC_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.MAGIC_SIZE;
import static io.jxen.abi.xen.StartInfoDescriptor.MFN_LIST_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.MOD_LEN_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.MOD_START_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.NR_P2M_FRAMES_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.NR_PAGES_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.NR_PT_FRAMES_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.PT_BASE_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.SHARED_INFO_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.STORE_EVTCHN_OFFSET;
import static io.jxen.abi.xen.StartInfoDescriptor.STORE_MFN_OFFSET;

/**
 * View of the start-info page, {@code struct start_info} (xen.h, x86_64); see
 * {@link StartInfoDescriptor} for the drawing. Written by the domain builder before the guest
 * runs, so all accesses are plain.
 */
public final class StartInfoFlyweight extends Flyweight {

    /** Wraps the structure at {@code offset} of {@code segment}. */
    public StartInfoFlyweight wrap(MemorySegment segment, long offset) {
        bind(segment, offset, StartInfoDescriptor.SIZE, StartInfoDescriptor.ALIGNMENT);
        return this;
    }

    /** {@code magic}, up to its first NUL. */
    public String getMagic() {
        return getString(MAGIC_OFFSET, MAGIC_SIZE);
    }

    /**
     * Sets {@code magic}, NUL padded.
     *
     * @throws IllegalArgumentException if it does not fit with a terminating NUL
     */
    public void setMagic(String magic) {
        setString(MAGIC_OFFSET, MAGIC_SIZE, magic);
    }

    /** {@code nr_pages}. */
    public long getNrPages() {
        return OrderedAccess.getLongPlain(segment(), offset() + NR_PAGES_OFFSET);
    }

    /** Sets {@code nr_pages}. */
    public void setNrPages(long pages) {
        OrderedAccess.setLongPlain(segment(), offset() + NR_PAGES_OFFSET, pages);
    }

    /** {@code shared_info}: machine address of the shared-info page. */
    public long getSharedInfo() {
        return OrderedAccess.getLongPlain(segment(), offset() + SHARED_INFO_OFFSET);
    }

    /** Sets {@code shared_info}. */
    public void setSharedInfo(long machineAddress) {
        OrderedAccess.setLongPlain(segment(), offset() + SHARED_INFO_OFFSET, machineAddress);
    }

    /** {@code flags}: {@link StartInfoFlags} bits. */
    public int getFlags() {
        return OrderedAccess.getIntPlain(segment(), offset() + FLAGS_OFFSET);
    }

    /** Sets {@code flags}. */
    public void setFlags(int flags) {
        OrderedAccess.setIntPlain(segment(), offset() + FLAGS_OFFSET, flags);
    }

    /** {@code store_mfn}. */
    public long getStoreMfn() {
        return OrderedAccess.getLongPlain(segment(), offset() + STORE_MFN_OFFSET);
    }

    /** Sets {@code store_mfn}. */
    public void setStoreMfn(long mfn) {
        OrderedAccess.setLongPlain(segment(), offset() + STORE_MFN_OFFSET, mfn);
    }

    /** {@code store_evtchn}. */
    public int getStoreEvtchn() {
        return OrderedAccess.getIntPlain(segment(), offset() + STORE_EVTCHN_OFFSET);
    }

    /** Sets {@code store_evtchn}. */
    public void setStoreEvtchn(int port) {
        OrderedAccess.setIntPlain(segment(), offset() + STORE_EVTCHN_OFFSET, port);
    }

    /** {@code console.domU.mfn}. */
    public long getConsoleMfn() {
        return OrderedAccess.getLongPlain(segment(), offset() + CONSOLE_DOMU_MFN_OFFSET);
    }

    /** Sets {@code console.domU.mfn}. */
    public void setConsoleMfn(long mfn) {
        OrderedAccess.setLongPlain(segment(), offset() + CONSOLE_DOMU_MFN_OFFSET, mfn);
    }

    /** {@code console.domU.evtchn}. */
    public int getConsoleEvtchn() {
        return OrderedAccess.getIntPlain(segment(), offset() + CONSOLE_DOMU_EVTCHN_OFFSET);
    }

    /** Sets {@code console.domU.evtchn}. */
    public void setConsoleEvtchn(int port) {
        OrderedAccess.setIntPlain(segment(), offset() + CONSOLE_DOMU_EVTCHN_OFFSET, port);
    }

    /** {@code pt_base}. */
    public long getPtBase() {
        return OrderedAccess.getLongPlain(segment(), offset() + PT_BASE_OFFSET);
    }

    /** Sets {@code pt_base}. */
    public void setPtBase(long virtualAddress) {
        OrderedAccess.setLongPlain(segment(), offset() + PT_BASE_OFFSET, virtualAddress);
    }

    /** {@code nr_pt_frames}. */
    public long getNrPtFrames() {
        return OrderedAccess.getLongPlain(segment(), offset() + NR_PT_FRAMES_OFFSET);
    }

    /** Sets {@code nr_pt_frames}. */
    public void setNrPtFrames(long frames) {
        OrderedAccess.setLongPlain(segment(), offset() + NR_PT_FRAMES_OFFSET, frames);
    }

    /** {@code mfn_list}. */
    public long getMfnList() {
        return OrderedAccess.getLongPlain(segment(), offset() + MFN_LIST_OFFSET);
    }

    /** Sets {@code mfn_list}. */
    public void setMfnList(long virtualAddress) {
        OrderedAccess.setLongPlain(segment(), offset() + MFN_LIST_OFFSET, virtualAddress);
    }

    /** {@code mod_start}. */
    public long getModStart() {
        return OrderedAccess.getLongPlain(segment(), offset() + MOD_START_OFFSET);
    }

    /** Sets {@code mod_start}. */
    public void setModStart(long start) {
        OrderedAccess.setLongPlain(segment(), offset() + MOD_START_OFFSET, start);
    }

    /** {@code mod_len}. */
    public long getModLen() {
        return OrderedAccess.getLongPlain(segment(), offset() + MOD_LEN_OFFSET);
    }

    /** Sets {@code mod_len}. */
    public void setModLen(long bytes) {
        OrderedAccess.setLongPlain(segment(), offset() + MOD_LEN_OFFSET, bytes);
    }

    /** {@code cmd_line}, up to its first NUL. */
    public String getCmdLine() {
        return getString(CMD_LINE_OFFSET, XenLimits.MAX_GUEST_CMDLINE);
    }

    /**
     * Sets {@code cmd_line}, NUL padded.
     *
     * @throws IllegalArgumentException if it does not fit in {@code MAX_GUEST_CMDLINE} with its NUL
     */
    public void setCmdLine(String cmdLine) {
        setString(CMD_LINE_OFFSET, XenLimits.MAX_GUEST_CMDLINE, cmdLine);
    }

    /** {@code first_p2m_pfn}. */
    public long getFirstP2mPfn() {
        return OrderedAccess.getLongPlain(segment(), offset() + FIRST_P2M_PFN_OFFSET);
    }

    /** Sets {@code first_p2m_pfn}. */
    public void setFirstP2mPfn(long pfn) {
        OrderedAccess.setLongPlain(segment(), offset() + FIRST_P2M_PFN_OFFSET, pfn);
    }

    /** {@code nr_p2m_frames}. */
    public long getNrP2mFrames() {
        return OrderedAccess.getLongPlain(segment(), offset() + NR_P2M_FRAMES_OFFSET);
    }

    /** Sets {@code nr_p2m_frames}. */
    public void setNrP2mFrames(long frames) {
        OrderedAccess.setLongPlain(segment(), offset() + NR_P2M_FRAMES_OFFSET, frames);
    }

    private String getString(long fieldOffset, int capacity) {
        MemorySegment field = segment().asSlice(offset() + fieldOffset, capacity);
        int length = 0;
        while (length < capacity && field.get(ValueLayout.JAVA_BYTE, length) != 0) {
            length++;
        }
        return new String(field.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.ISO_8859_1);
    }

    private void setString(long fieldOffset, int capacity, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length >= capacity) {
            throw new IllegalArgumentException(bytes.length + " bytes do not fit in " + capacity + " with a NUL");
        }
        MemorySegment field = segment().asSlice(offset() + fieldOffset, capacity);
        field.fill((byte) 0);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, field, 0, bytes.length);
    }
}

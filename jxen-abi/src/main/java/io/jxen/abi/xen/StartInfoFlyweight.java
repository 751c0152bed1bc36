package io.jxen.abi.xen;

import io.jxen.abi.AbiAccess;
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
        return AbiAccess.getLong(segment(), offset() + NR_PAGES_OFFSET);
    }

    /** Sets {@code nr_pages}. */
    public void setNrPages(long pages) {
        AbiAccess.setLong(segment(), offset() + NR_PAGES_OFFSET, pages);
    }

    /** {@code shared_info}: machine address of the shared-info page. */
    public long getSharedInfo() {
        return AbiAccess.getLong(segment(), offset() + SHARED_INFO_OFFSET);
    }

    /** Sets {@code shared_info}. */
    public void setSharedInfo(long machineAddress) {
        AbiAccess.setLong(segment(), offset() + SHARED_INFO_OFFSET, machineAddress);
    }

    /** {@code flags}: {@link StartInfoFlags} bits. */
    public int getFlags() {
        return AbiAccess.getInt(segment(), offset() + FLAGS_OFFSET);
    }

    /** Sets {@code flags}. */
    public void setFlags(int flags) {
        AbiAccess.setInt(segment(), offset() + FLAGS_OFFSET, flags);
    }

    /** {@code store_mfn}. */
    public long getStoreMfn() {
        return AbiAccess.getLong(segment(), offset() + STORE_MFN_OFFSET);
    }

    /** Sets {@code store_mfn}. */
    public void setStoreMfn(long mfn) {
        AbiAccess.setLong(segment(), offset() + STORE_MFN_OFFSET, mfn);
    }

    /** {@code store_evtchn}. */
    public int getStoreEvtchn() {
        return AbiAccess.getInt(segment(), offset() + STORE_EVTCHN_OFFSET);
    }

    /** Sets {@code store_evtchn}. */
    public void setStoreEvtchn(int port) {
        AbiAccess.setInt(segment(), offset() + STORE_EVTCHN_OFFSET, port);
    }

    /** {@code console.domU.mfn}. */
    public long getConsoleMfn() {
        return AbiAccess.getLong(segment(), offset() + CONSOLE_DOMU_MFN_OFFSET);
    }

    /** Sets {@code console.domU.mfn}. */
    public void setConsoleMfn(long mfn) {
        AbiAccess.setLong(segment(), offset() + CONSOLE_DOMU_MFN_OFFSET, mfn);
    }

    /** {@code console.domU.evtchn}. */
    public int getConsoleEvtchn() {
        return AbiAccess.getInt(segment(), offset() + CONSOLE_DOMU_EVTCHN_OFFSET);
    }

    /** Sets {@code console.domU.evtchn}. */
    public void setConsoleEvtchn(int port) {
        AbiAccess.setInt(segment(), offset() + CONSOLE_DOMU_EVTCHN_OFFSET, port);
    }

    /** {@code pt_base}. */
    public long getPtBase() {
        return AbiAccess.getLong(segment(), offset() + PT_BASE_OFFSET);
    }

    /** Sets {@code pt_base}. */
    public void setPtBase(long virtualAddress) {
        AbiAccess.setLong(segment(), offset() + PT_BASE_OFFSET, virtualAddress);
    }

    /** {@code nr_pt_frames}. */
    public long getNrPtFrames() {
        return AbiAccess.getLong(segment(), offset() + NR_PT_FRAMES_OFFSET);
    }

    /** Sets {@code nr_pt_frames}. */
    public void setNrPtFrames(long frames) {
        AbiAccess.setLong(segment(), offset() + NR_PT_FRAMES_OFFSET, frames);
    }

    /** {@code mfn_list}. */
    public long getMfnList() {
        return AbiAccess.getLong(segment(), offset() + MFN_LIST_OFFSET);
    }

    /** Sets {@code mfn_list}. */
    public void setMfnList(long virtualAddress) {
        AbiAccess.setLong(segment(), offset() + MFN_LIST_OFFSET, virtualAddress);
    }

    /** {@code mod_start}. */
    public long getModStart() {
        return AbiAccess.getLong(segment(), offset() + MOD_START_OFFSET);
    }

    /** Sets {@code mod_start}. */
    public void setModStart(long start) {
        AbiAccess.setLong(segment(), offset() + MOD_START_OFFSET, start);
    }

    /** {@code mod_len}. */
    public long getModLen() {
        return AbiAccess.getLong(segment(), offset() + MOD_LEN_OFFSET);
    }

    /** Sets {@code mod_len}. */
    public void setModLen(long bytes) {
        AbiAccess.setLong(segment(), offset() + MOD_LEN_OFFSET, bytes);
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
        return AbiAccess.getLong(segment(), offset() + FIRST_P2M_PFN_OFFSET);
    }

    /** Sets {@code first_p2m_pfn}. */
    public void setFirstP2mPfn(long pfn) {
        AbiAccess.setLong(segment(), offset() + FIRST_P2M_PFN_OFFSET, pfn);
    }

    /** {@code nr_p2m_frames}. */
    public long getNrP2mFrames() {
        return AbiAccess.getLong(segment(), offset() + NR_P2M_FRAMES_OFFSET);
    }

    /** Sets {@code nr_p2m_frames}. */
    public void setNrP2mFrames(long frames) {
        AbiAccess.setLong(segment(), offset() + NR_P2M_FRAMES_OFFSET, frames);
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

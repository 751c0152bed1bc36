package io.jxen.abi.xen;

import io.jxen.abi.RawBytes;
import io.jxen.abi.XenPage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Writes through the xen.h views and reads the raw little-endian bytes at the descriptor offsets. */
class XenFlyweightsTest {

    private Arena arena;
    private MemorySegment page;

    @BeforeEach
    void allocatePage() {
        arena = Arena.ofConfined();
        page = arena.allocate(XenPage.SIZE, XenPage.SIZE);
    }

    @AfterEach
    void freePage() {
        arena.close();
    }

    @Test
    void vcpuTimeInfoFieldsLandAtTheirOffsets() {
        VcpuTimeInfoFlyweight time = new VcpuTimeInfoFlyweight().wrap(page, 0);

        time.setVersionRelease(3);
        time.setTscTimestamp(0x1122334455667788L);
        time.setSystemTimeNs(1_000_000_007L);
        time.setTscToSystemMul(0xCAFEBABE);
        time.setTscShift((byte) -1);
        time.setFlags(PvClockFlags.TSC_STABLE_BIT);

        assertThat(RawBytes.read(page, VcpuTimeInfoDescriptor.VERSION_OFFSET, 4)).isEqualTo(3);
        assertThat(RawBytes.read(page, VcpuTimeInfoDescriptor.TSC_TIMESTAMP_OFFSET, 8)).isEqualTo(0x1122334455667788L);
        assertThat(RawBytes.read(page, VcpuTimeInfoDescriptor.SYSTEM_TIME_OFFSET, 8)).isEqualTo(1_000_000_007L);
        assertThat(RawBytes.read(page, VcpuTimeInfoDescriptor.TSC_TO_SYSTEM_MUL_OFFSET, 4)).isEqualTo(0xCAFEBABEL);
        assertThat(RawBytes.read(page, VcpuTimeInfoDescriptor.TSC_SHIFT_OFFSET, 1)).isEqualTo(0xFF);
        assertThat(RawBytes.read(page, VcpuTimeInfoDescriptor.FLAGS_OFFSET, 1)).isEqualTo(1);
        assertThat(time.getVersionAcquire()).isEqualTo(3);
        assertThat(time.getTscShift()).isEqualTo((byte) -1);
        assertThat(time.getTscToSystemMul()).isEqualTo(0xCAFEBABE);
        assertThat(time.getFlags()).isEqualTo(PvClockFlags.TSC_STABLE_BIT);
    }

    @Test
    void sharedInfoReachesEveryVcpuInfoAndItsTime() {
        SharedInfoFlyweight shared = new SharedInfoFlyweight().wrap(page, 0);
        VcpuInfoFlyweight vcpu = new VcpuInfoFlyweight();
        VcpuTimeInfoFlyweight time = new VcpuTimeInfoFlyweight();

        shared.vcpuInfo(5, vcpu).setUpcallPendingVolatile(true);
        vcpu.setUpcallMaskedVolatile(true);
        vcpu.getAndOrPendingSelector(1L << 63);
        vcpu.setCr2(0xDEAD000L);
        vcpu.time(time).setSystemTimeNs(42);

        long base = SharedInfoDescriptor.VCPU_INFO_OFFSET + 5L * VcpuInfoDescriptor.SIZE;
        assertThat(RawBytes.read(page, base + VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET, 1)).isEqualTo(1);
        assertThat(RawBytes.read(page, base + VcpuInfoDescriptor.EVTCHN_UPCALL_MASK_OFFSET, 1)).isEqualTo(1);
        assertThat(RawBytes.read(page, base + VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET, 8)).isEqualTo(1L << 63);
        assertThat(RawBytes.read(page, base + VcpuInfoDescriptor.ARCH_CR2_OFFSET, 8)).isEqualTo(0xDEAD000L);
        assertThat(RawBytes.read(page, base + VcpuInfoDescriptor.TIME_OFFSET + VcpuTimeInfoDescriptor.SYSTEM_TIME_OFFSET, 8))
                .isEqualTo(42);
        assertThat(vcpu.getAndClearPendingSelector()).isEqualTo(1L << 63);
        assertThat(vcpu.getPendingSelectorVolatile()).isZero();
        assertThat(vcpu.isUpcallPendingVolatile()).isTrue();
        assertThatThrownBy(() -> shared.vcpuInfo(XenLimits.XEN_LEGACY_MAX_VCPUS, vcpu))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void sharedInfoEventBitsAndWallclock() {
        SharedInfoFlyweight shared = new SharedInfoFlyweight().wrap(page, 0);
        int port = 4000; // word 62, bit 32

        shared.getAndOrPendingWord(port / 64, 1L << (port % 64));
        shared.getAndOrMaskWord(1, 0b11);
        shared.getAndClearMaskBits(1, 0b01);
        shared.setWcVersionRelease(2);
        shared.setWcSec(0x1_2345_6789L);
        shared.setWcNsec(999_999_999);
        shared.setMaxPfn(0x40000);
        shared.setPfnToMfnFrameListList(77);

        assertThat(RawBytes.read(page, SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + 62 * 8, 8)).isEqualTo(1L << 32);
        assertThat(RawBytes.read(page, SharedInfoDescriptor.EVTCHN_MASK_OFFSET + 8, 8)).isEqualTo(0b10);
        assertThat(RawBytes.read(page, SharedInfoDescriptor.WC_VERSION_OFFSET, 4)).isEqualTo(2);
        assertThat(RawBytes.read(page, SharedInfoDescriptor.WC_SEC_OFFSET, 4)).isEqualTo(0x2345_6789L);
        assertThat(RawBytes.read(page, SharedInfoDescriptor.WC_SEC_HI_OFFSET, 4)).isEqualTo(1);
        assertThat(RawBytes.read(page, SharedInfoDescriptor.WC_NSEC_OFFSET, 4)).isEqualTo(999_999_999);
        assertThat(RawBytes.read(page, SharedInfoDescriptor.ARCH_MAX_PFN_OFFSET, 8)).isEqualTo(0x40000);
        assertThat(RawBytes.read(page, SharedInfoDescriptor.ARCH_PFN_TO_MFN_FRAME_LIST_LIST_OFFSET, 8)).isEqualTo(77);
        assertThat(shared.getWcSec()).isEqualTo(0x1_2345_6789L);
        assertThat(shared.getAndClearPendingBits(62, 1L << 32)).isEqualTo(1L << 32);
        assertThat(shared.getPendingWordVolatile(62)).isZero();
        assertThat(shared.getMaskWordVolatile(1)).isEqualTo(0b10);
        assertThatThrownBy(() -> shared.getPendingWordVolatile(SharedInfoDescriptor.EVTCHN_WORDS))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void startInfoFieldsAndStrings() {
        StartInfoFlyweight start = new StartInfoFlyweight().wrap(page, 0);

        start.setMagic("xen-3.0-x86_64");
        start.setNrPages(262_144);
        start.setSharedInfo(0x7000);
        start.setFlags(StartInfoFlags.PRIVILEGED | StartInfoFlags.INITDOMAIN);
        start.setStoreMfn(0x1234);
        start.setStoreEvtchn(1);
        start.setConsoleMfn(0x1235);
        start.setConsoleEvtchn(2);
        start.setPtBase(0xFFFF_8000_0000_0000L);
        start.setNrPtFrames(6);
        start.setMfnList(0x40_0000);
        start.setModStart(0x80_0000);
        start.setModLen(4096);
        start.setCmdLine("console=hvc0 root=/dev/xvda1");
        start.setFirstP2mPfn(9);
        start.setNrP2mFrames(3);

        assertThat(RawBytes.read(page, StartInfoDescriptor.MAGIC_OFFSET, 6)).isEqualTo(0x2e332d6e6578L); // "xen-3." LE
        assertThat(RawBytes.read(page, StartInfoDescriptor.NR_PAGES_OFFSET, 8)).isEqualTo(262_144);
        assertThat(RawBytes.read(page, StartInfoDescriptor.SHARED_INFO_OFFSET, 8)).isEqualTo(0x7000);
        assertThat(RawBytes.read(page, StartInfoDescriptor.FLAGS_OFFSET, 4)).isEqualTo(3);
        assertThat(RawBytes.read(page, StartInfoDescriptor.STORE_MFN_OFFSET, 8)).isEqualTo(0x1234);
        assertThat(RawBytes.read(page, StartInfoDescriptor.STORE_EVTCHN_OFFSET, 4)).isEqualTo(1);
        assertThat(RawBytes.read(page, StartInfoDescriptor.CONSOLE_DOMU_MFN_OFFSET, 8)).isEqualTo(0x1235);
        assertThat(RawBytes.read(page, StartInfoDescriptor.CONSOLE_DOMU_EVTCHN_OFFSET, 4)).isEqualTo(2);
        assertThat(RawBytes.read(page, StartInfoDescriptor.PT_BASE_OFFSET, 8)).isEqualTo(0xFFFF_8000_0000_0000L);
        assertThat(RawBytes.read(page, StartInfoDescriptor.NR_PT_FRAMES_OFFSET, 8)).isEqualTo(6);
        assertThat(RawBytes.read(page, StartInfoDescriptor.MFN_LIST_OFFSET, 8)).isEqualTo(0x40_0000);
        assertThat(RawBytes.read(page, StartInfoDescriptor.MOD_START_OFFSET, 8)).isEqualTo(0x80_0000);
        assertThat(RawBytes.read(page, StartInfoDescriptor.MOD_LEN_OFFSET, 8)).isEqualTo(4096);
        assertThat(RawBytes.read(page, StartInfoDescriptor.CMD_LINE_OFFSET, 1)).isEqualTo('c');
        assertThat(RawBytes.read(page, StartInfoDescriptor.FIRST_P2M_PFN_OFFSET, 8)).isEqualTo(9);
        assertThat(RawBytes.read(page, StartInfoDescriptor.NR_P2M_FRAMES_OFFSET, 8)).isEqualTo(3);
        assertThat(start.getMagic()).isEqualTo("xen-3.0-x86_64");
        assertThat(start.getCmdLine()).isEqualTo("console=hvc0 root=/dev/xvda1");
        assertThat(start.getFlags()).isEqualTo(3);
    }

    @Test
    void startInfoStringsMustLeaveRoomForTheirNul() {
        StartInfoFlyweight start = new StartInfoFlyweight().wrap(page, 0);
        start.setCmdLine("x".repeat(XenLimits.MAX_GUEST_CMDLINE - 1));

        assertThat(start.getCmdLine()).hasSize(XenLimits.MAX_GUEST_CMDLINE - 1);
        assertThatThrownBy(() -> start.setCmdLine("x".repeat(XenLimits.MAX_GUEST_CMDLINE)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> start.setMagic("x".repeat(StartInfoDescriptor.MAGIC_SIZE)))
                .isInstanceOf(IllegalArgumentException.class);
        start.setMagic("xen-3.0-x86_64");
        start.setMagic("x");
        assertThat(start.getMagic()).as("a shorter string clears the old tail").isEqualTo("x");
    }
}

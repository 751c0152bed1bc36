package io.jxen.hypercall;

import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The guest's memory view through a p2m published in machine frames, and the guest helpers. */
class GuestPhysicalMemoryTest {

    @TempDir
    Path dir;
    MachineMemory memory;
    GuestPhysicalMemory guest;

    @BeforeEach
    void setUp() throws IOException {
        memory = MachineMemory.create(dir.resolve("m.mem"), 16);
        // p2m in frame 0: gfn 0 -> mfn 5, gfn 1 -> mfn 9 (not contiguous), gfn 2 -> mfn 7 read-only
        MemorySegment p2m = memory.frame(0);
        OrderedAccess.setLongRelease(p2m, 0, P2mEntry.of(5, 0));
        OrderedAccess.setLongRelease(p2m, 8, P2mEntry.of(9, 0));
        OrderedAccess.setLongRelease(p2m, 16, P2mEntry.of(7, P2mEntry.READONLY | P2mEntry.FOREIGN));
        guest = new GuestPhysicalMemory(memory, 0, 4);
    }

    @AfterEach
    void tearDown() {
        memory.close();
    }

    @Test
    void translatesThroughThePublishedP2m() {
        guest.putLong(8, 0x0102030405060708L);
        assertThat(OrderedAccess.getLongPlain(memory.frame(5), 8)).isEqualTo(0x0102030405060708L);
        guest.putInt(4096 + 4, 77);
        assertThat(OrderedAccess.getIntPlain(memory.frame(9), 4)).isEqualTo(77);
        assertThat(guest.mapped(2)).isTrue();
        assertThat(guest.mapped(3)).isFalse();
        assertThat(guest.mapped(4)).as("outside the table").isFalse();
        assertThat(P2mEntry.foreign(guest.entry(2))).isTrue();
    }

    @Test
    void copiesAcrossNonContiguousPages() {
        byte[] data = new byte[100];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        guest.write(4096 - 50, data);
        assertThat(guest.read(4096 - 50, 100)).isEqualTo(data);
        assertThat(memory.frame(9).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 50);
        guest.zero(4096 - 10, 20);
        assertThat(guest.getByte(4096 + 9)).isZero();
        assertThat(guest.getByte(4096 + 10)).isEqualTo((byte) 60);
    }

    @Test
    void faultsOnUnmappedReadOnlyAndStraddlingAccesses() {
        assertThatThrownBy(() -> guest.getInt(3 * 4096)).isInstanceOf(GuestPageFault.class);
        assertThatThrownBy(() -> guest.putInt(2 * 4096, 1)).isInstanceOf(GuestPageFault.class)
                .hasMessageContaining("write");
        assertThat(guest.getInt(2 * 4096)).isZero();
        assertThatThrownBy(() -> guest.page(2).set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> guest.getLong(4096 - 4)).isInstanceOf(GuestPageFault.class);
        assertThatThrownBy(() -> guest.getLong(-8)).isInstanceOf(GuestPageFault.class);
    }

    @Test
    void multicallEntriesAreWrittenInXensLayout() {
        Multicall.write(guest, 64, List.of(new Multicall.Call(24, 3, 1), new Multicall.Call(29)));
        assertThat(guest.getLong(64)).isEqualTo(24);
        assertThat(guest.getLong(64 + 16)).isEqualTo(3);
        assertThat(guest.getLong(64 + 24)).isEqualTo(1);
        assertThat(guest.getLong(128)).isEqualTo(29);
        long[] results = new long[2];
        Hypercalls fake = (n, a1, a2, a3, a4, a5) -> {
            guest.putLong(a1 + 8, -22);
            guest.putLong(a1 + 64 + 8, 0);
            return 0;
        };
        assertThat(Multicall.run(fake, guest, 64, List.of(new Multicall.Call(24), new Multicall.Call(29)), results))
                .isEqualTo(-1);
        assertThat(results).containsExactly(-22, 0);
        Hypercalls failing = (n, a1, a2, a3, a4, a5) -> -14;
        assertThat(Multicall.run(failing, guest, 64, List.of(new Multicall.Call(24)), results)).isEqualTo(-14);
        assertThatThrownBy(() -> new Multicall.Call(1, 1, 2, 3, 4, 5, 6, 7)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUpcallHandlerThatNeverAcksCannotLivelockThePoll() {
        MemorySegment vcpuInfo = guest.page(0).asSlice(0, 64);
        vcpuInfo.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 1);
        EventUpcall line = new EventUpcall(vcpuInfo);
        assertThat(line.poll(() -> { })).isEqualTo(EventUpcall.MAX_UPCALLS_PER_POLL);
    }
}

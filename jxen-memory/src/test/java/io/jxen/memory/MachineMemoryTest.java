package io.jxen.memory;

import io.jxen.abi.OrderedAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MachineMemoryTest {

    @TempDir
    Path directory;

    @Test
    void createsAZeroedOwnerOnlyFileOfWholeFrames() throws Exception {
        try (MachineMemory memory = MachineMemory.createTemp(directory, "mm-", 16)) {
            assertThat(memory.frames()).isEqualTo(16);
            assertThat(memory.sizeBytes()).isEqualTo(16 * 4096L);
            assertThat(Files.size(memory.file())).isEqualTo(16 * 4096L);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(memory.file()))).isEqualTo("rw-------");
            assertThat(memory.frame(15).byteSize()).isEqualTo(4096);
            assertThat(memory.frame(15).get(OrderedAccess.LONG, 4088)).isZero();
        }
    }

    @Test
    void framesAreViewsOfTheFileAndASecondMappingSeesTheSameBytes() throws Exception {
        Path file = directory.resolve("shared.mem");
        try (MachineMemory memory = MachineMemory.create(file, 4);
             MachineMemory other = MachineMemory.open(file)) {
            OrderedAccess.setIntRelease(memory.frame(2), 8, 0xdeadbeef);
            assertThat(OrderedAccess.getIntAcquire(other.frame(2), 8)).isEqualTo(0xdeadbeef);
            assertThat(OrderedAccess.getIntAcquire(other.segment(), 2 * 4096 + 8)).isEqualTo(0xdeadbeef);
            MemorySegment span = memory.frames(1, 3);
            assertThat(span.byteSize()).isEqualTo(3 * 4096L);
            assertThat(OrderedAccess.getIntPlain(span, 4096 + 8)).isEqualTo(0xdeadbeef);
            assertThat(other.frames()).isEqualTo(4);
            assertThatThrownBy(other::allocator).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void outOfRangeFramesAreRefused() throws Exception {
        try (MachineMemory memory = MachineMemory.createTemp(directory, "mm-", 2)) {
            assertThatThrownBy(() -> memory.frame(2)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> memory.frames(1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> memory.frame(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void allocatorHandsOutFramesOfThisMemory() throws Exception {
        try (MachineMemory memory = MachineMemory.createTemp(directory, "mm-", 3)) {
            long mfn = memory.allocator().alloc();
            memory.frame(mfn).fill((byte) 1);
            assertThat(memory.allocator().freeFrames()).isEqualTo(2);
        }
    }

    @Test
    void closeUnmapsAndDeleteRemovesTheFile() throws Exception {
        MachineMemory memory = MachineMemory.createTemp(directory, "mm-", 1);
        MemorySegment frame = memory.frame(0);
        memory.close();
        memory.close();
        assertThat(memory.isOpen()).isFalse();
        assertThatThrownBy(() -> frame.get(OrderedAccess.INT, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(memory.file()).exists();
        memory.delete();
        assertThat(memory.file()).doesNotExist();
    }

    @Test
    void createRefusesAnExistingFileAndOpenRefusesPartialFrames() throws Exception {
        Path file = directory.resolve("x.mem");
        Files.write(file, new byte[100]);
        assertThatThrownBy(() -> MachineMemory.create(file, 1)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(file).exists(); // not ours: left alone
        assertThatThrownBy(() -> MachineMemory.open(file)).hasMessageContaining("whole number of 4 KiB frames");
    }
}

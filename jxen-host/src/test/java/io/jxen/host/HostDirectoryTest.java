package io.jxen.host;

import io.jxen.sim.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A host's directory: one host at a time, nothing left behind, and what a host that is gone
 * left behind does not stop the next one (`jxen run` twice in the default directory).
 */
class HostDirectoryTest {

    @TempDir
    Path dir;

    private Host start() throws Exception {
        return Host.start(new Host.Options(dir, 4096, 256, new VirtualClock(0), false));
    }

    @Test
    void aStoppedHostLeavesNoMemoryFileAndTheNextHostStartsInTheSameDirectory() throws Exception {
        try (Host first = start()) {
            assertThat(dir.resolve(Host.MEMORY_FILE)).exists();
            assertThat(first.hypervisor().byId(0)).isNotNull();
        }
        assertThat(dir.resolve(Host.MEMORY_FILE)).doesNotExist();
        try (Host second = start()) {
            assertThat(second.hypervisor().byId(0)).isNotNull();
        }
    }

    @Test
    void aMemoryFileLeftByAHostThatIsGoneIsReplaced() throws Exception {
        // As a host killed with -9 leaves it: the file, and no lock held.
        Files.write(dir.resolve(Host.MEMORY_FILE), new byte[4096]);
        try (Host host = start()) {
            assertThat(Files.size(dir.resolve(Host.MEMORY_FILE))).isEqualTo(4096L * 4096);
            assertThat(host.hypervisor().byId(0)).isNotNull();
        }
    }

    @Test
    void aSecondHostInTheDirectoryOfARunningOneIsRefusedAndTheFirstKeepsItsMemory() throws Exception {
        try (Host first = start()) {
            long before = Files.size(dir.resolve(Host.MEMORY_FILE));
            assertThatThrownBy(this::start).isInstanceOf(IOException.class)
                    .hasMessageContaining("a jxen host already runs in " + dir);
            assertThat(dir.resolve(Host.MEMORY_FILE)).exists();
            assertThat(Files.size(dir.resolve(Host.MEMORY_FILE))).isEqualTo(before);
            assertThat(first.xenstore().read("/local/domain/0/name")).isEqualTo("Domain-0");
        }
    }

    @Test
    void aFailedStartReleasesTheDirectory() throws Exception {
        // dom0 larger than the machine: the start fails after the memory file was made.
        assertThatThrownBy(() -> Host.start(new Host.Options(dir, 64, 256, new VirtualClock(0), false)))
                .isNotInstanceOf(NullPointerException.class);
        assertThat(dir.resolve(Host.MEMORY_FILE)).doesNotExist();
        try (Host host = start()) {
            assertThat(host.hypervisor().byId(0)).isNotNull();
        }
    }
}

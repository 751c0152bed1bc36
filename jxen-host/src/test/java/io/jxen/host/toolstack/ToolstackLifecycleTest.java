package io.jxen.host.toolstack;

import io.jxen.host.config.GuestConfig;
import io.jxen.hv.domain.ShutdownReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The xl verbs and the on_* actions, on a real hypervisor and xenstored; no sleeps. */
class ToolstackLifecycleTest {

    @TempDir
    Path dir;
    ToolstackFixture host;
    final List<String> log = new ArrayList<>();
    long freeFramesAtStart;
    int dom0PortsAtStart;

    @BeforeEach
    void setUp() throws Exception {
        host = new ToolstackFixture(dir);
        host.toolstack.setLog(log::add);
        freeFramesAtStart = host.hv.host().allocator().freeFrames();
        dom0PortsAtStart = host.hv.byId(0).eventChannels().validPorts();
    }

    @AfterEach
    void tearDown() throws Exception {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    GuestConfig guest(String name, String extra) throws Exception {
        Path image = dir.resolve(name + ".img");
        if (!java.nio.file.Files.exists(image)) {
            java.nio.file.Files.createFile(image);
        }
        return GuestConfig.parse(name + ".cfg", "name = '" + name + "'\nmemory = 2\nvcpus = 1\n"
                + "disk = [ 'vdev=xvda, access=rw, target=" + image + "' ]\n" + extra, null);
    }

    /** Nothing of any guest is left in the store or the hypervisor. */
    void assertNothingLeft() throws Exception {
        assertThat(host.hv.domids()).containsExactly(0);
        assertThat(host.hv.host().allocator().freeFrames()).isEqualTo(freeFramesAtStart);
        assertThat(host.hv.byId(0).eventChannels().validPorts()).isEqualTo(dom0PortsAtStart);
        assertThat(host.children("/local/domain")).containsExactly("0");
        assertThat(host.children("/vm")).isEmpty();
        assertThat(host.children("/libxl")).isEmpty();
        assertThat(host.children("/local/domain/0/backend/vbd")).isEmpty();
        assertThat(host.children("/local/domain/0/backend/console")).isEmpty();
        assertThat(host.toolstack.guests()).isEmpty();
    }

    @Test
    void createListPauseUnpauseDestroy() throws Exception {
        int a = host.toolstack.create(guest("alpha", ""));
        int b = host.toolstack.create(guest("beta", "vcpus = 2\n"), true);
        assertThat(host.toolstack.list()).containsExactly(
                new DomainInfo(0, "Domain-0", 1, 1, "r-----"),
                new DomainInfo(a, "alpha", 2, 1, "r-----"),
                new DomainInfo(b, "beta", 2, 2, "--p---"));
        assertThat(host.toolstack.domidOf("beta")).isEqualTo(b);
        assertThat(host.toolstack.pause(a)).isTrue();
        assertThat(host.toolstack.list().get(1).state()).isEqualTo("--p---");
        assertThat(host.toolstack.unpause(a)).isTrue();
        assertThat(host.toolstack.unpause(b)).isTrue();
        assertThat(host.toolstack.list().get(2).state()).isEqualTo("r-----");
        assertThat(host.toolstack.pause(0)).as("dom0 is not the toolstack's to pause").isFalse();

        host.toolstack.destroy(a);
        host.toolstack.destroy(b);
        assertNothingLeft();
        assertThat(log).contains("d1 (alpha) created", "d1 (alpha) destroyed");
        assertThatThrownBy(() -> host.toolstack.destroy(a)).hasMessage("no domain 1");
        assertThatThrownBy(() -> host.toolstack.destroy(0)).hasMessage("dom0 cannot be destroyed");
    }

    @Test
    void memSetVcpuSetAndRenameWriteWhatTheGuestWatches() throws Exception {
        int d = host.toolstack.create(guest("alpha", "maxmem = 4\nvcpus = 1\nmaxvcpus = 3\n"));
        String dom = "/local/domain/" + d;
        host.toolstack.memSet(d, 3);
        assertThat(host.xs.read(dom + "/memory/target")).isEqualTo("3072");
        assertThatThrownBy(() -> host.toolstack.memSet(d, 5)).hasMessageContaining("outside 1..4 MiB (maxmem)");
        host.toolstack.vcpuSet(d, 2);
        assertThat(host.xs.read(dom + "/cpu/0/availability")).isEqualTo("online");
        assertThat(host.xs.read(dom + "/cpu/1/availability")).isEqualTo("online");
        assertThat(host.xs.read(dom + "/cpu/2/availability")).isEqualTo("offline");
        assertThatThrownBy(() -> host.toolstack.vcpuSet(d, 4)).hasMessageContaining("1..3 vCPUs (maxvcpus)");
        host.toolstack.rename(d, "omega");
        assertThat(host.xs.read(dom + "/name")).isEqualTo("omega");
        assertThat(host.toolstack.domidOf("omega")).isEqualTo(d);
        assertThat(host.toolstack.domidOf("alpha")).isEqualTo(-1);
        assertThatThrownBy(() -> host.toolstack.rename(d, "Domain-0")).hasMessageContaining("taken");
        assertThatThrownBy(() -> host.toolstack.memSet(99, 1)).hasMessage("no domain 99");
        host.toolstack.destroy(d);
        assertNothingLeft();
    }

    @Test
    void namesAreUnique() throws Exception {
        host.toolstack.create(guest("alpha", ""));
        assertThatThrownBy(() -> host.toolstack.create(guest("alpha", "")))
                .hasMessage("domain 'alpha' already exists; pick another name");
        assertThatThrownBy(() -> host.toolstack.create(GuestConfig.parse("x", "name='Domain-0'\n", null)))
                .isInstanceOf(ToolstackException.class);
        String uuid = "uuid = '6c7b9a2e-1f0d-4c3b-8a59-0d2e4f6a8b1c'\n";
        int b = host.toolstack.create(guest("beta", uuid));
        assertThatThrownBy(() -> host.toolstack.create(guest("gamma", uuid)))
                .hasMessageContaining("is already used by d" + b + " (beta)");
        assertThat(host.xs.read("/vm/6c7b9a2e-1f0d-4c3b-8a59-0d2e4f6a8b1c/name")).isEqualTo("beta");
    }

    @Test
    void xlShutdownAsksTheGuestWhichPowersOffAndIsDestroyed() throws Exception {
        int d = host.toolstack.create(guest("alpha", ""));
        host.toolstack.shutdown(d);
        assertThat(host.xs.read("/local/domain/" + d + "/control/shutdown")).isEqualTo("poweroff");
        assertThat(host.toolstack.doWork()).as("nothing happens until the guest acts").isZero();
        host.guestShutsDown(d, ShutdownReason.POWEROFF);
        assertThat(host.toolstack.list().get(1).state()).isEqualTo("---s--");
        assertThat(host.toolstack.doWork()).isPositive();
        assertNothingLeft();
        assertThat(log).contains("d1 (alpha) shut down (poweroff): destroy");
    }

    @Test
    void rebootWithOnRebootRestartRecreatesTheDomainAndItsNodes() throws Exception {
        int d = host.toolstack.create(guest("alpha", ""));
        host.toolstack.reboot(d);
        assertThat(host.xs.read("/local/domain/" + d + "/control/shutdown")).isEqualTo("reboot");
        host.guestShutsDown(d, ShutdownReason.REBOOT);
        host.toolstack.doWork();
        int again = host.toolstack.domidOf("alpha");
        assertThat(again).isPositive();
        assertThat(host.hv.domids()).containsExactly(0, again);
        assertThat(host.hv.byId(again).shutdownReason()).isNull();
        assertThat(host.xs.read("/local/domain/" + again + "/name")).isEqualTo("alpha");
        assertThat(host.xs.read("/local/domain/" + again + "/control/shutdown")).as("a fresh tree").isEmpty();
        assertThat(host.xs.read("/local/domain/0/backend/vbd/" + again + "/51712/state")).isEqualTo("1");
        assertThat(host.children("/vm")).hasSize(1);
        assertThat(host.toolstack.doWork()).as("the old domain's destruction is not mistaken for the new one's").isZero();
        assertThat(host.toolstack.domidOf("alpha")).isEqualTo(again);
        host.toolstack.destroy(again);
        assertNothingLeft();
    }

    @Test
    void everyReasonMapsToItsAction() throws Exception {
        int pw = host.toolstack.create(guest("pw", "on_poweroff = 'preserve'\n"));
        int cr = host.toolstack.create(guest("cr", "on_crash = 'preserve'\n"));
        int wd = host.toolstack.create(guest("wd", "on_watchdog = 'coredump-destroy'\n"));
        int rb = host.toolstack.create(guest("rb", "on_reboot = 'destroy'\n"));
        host.guestShutsDown(pw, ShutdownReason.POWEROFF);
        host.guestShutsDown(cr, ShutdownReason.CRASH);
        host.guestShutsDown(wd, ShutdownReason.WATCHDOG);
        host.guestShutsDown(rb, ShutdownReason.REBOOT);
        assertThat(host.toolstack.doWork()).isEqualTo(4 + 2);
        assertThat(host.toolstack.doWork()).as("the two destructions were the toolstack's own").isZero();
        assertThat(host.toolstack.list()).extracting(DomainInfo::name, DomainInfo::state).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Domain-0", "r-----"),
                org.assertj.core.groups.Tuple.tuple("pw", "---s--"),
                org.assertj.core.groups.Tuple.tuple("cr", "----c-"));
        assertThat(host.exists("/local/domain/" + pw + "/name")).as("preserved domains keep their nodes").isTrue();
        host.toolstack.destroy(pw);
        host.toolstack.destroy(cr);
        assertNothingLeft();
    }

    @Test
    void renameRestartKeepsTheOldDomainUnderANewName() throws Exception {
        int d = host.toolstack.create(guest("alpha", "on_crash = 'rename-restart'\n"));
        host.guestShutsDown(d, ShutdownReason.CRASH);
        host.toolstack.doWork();
        int fresh = host.toolstack.domidOf("alpha");
        assertThat(fresh).isNotEqualTo(d).isPositive();
        assertThat(host.toolstack.domidOf("alpha-d" + d)).isEqualTo(d);
        assertThat(host.xs.read("/local/domain/" + d + "/name")).isEqualTo("alpha-d" + d);
        assertThat(host.children("/vm")).hasSize(2);
        host.toolstack.destroy(d);
        host.toolstack.destroy(fresh);
        assertNothingLeft();
    }

    @Test
    void aDomainDestroyedBehindTheToolstacksBackIsCleanedUp() throws Exception {
        int d = host.toolstack.create(guest("alpha", ""));
        host.hv.destroyDomain(d);
        assertThat(host.toolstack.doWork()).isEqualTo(1);
        assertNothingLeft();
    }

    @Test
    void twoHundredCreateDestroyCyclesLeaveNoNodesPortsOrFrames() throws Exception {
        GuestConfig cfg = guest("cycle", "");
        for (int i = 0; i < 200; i++) {
            int d = host.toolstack.create(cfg);
            assertThat(d).isEqualTo(1 + i); // the hypervisor's rover: a new id each time
            if (i % 2 == 0) {
                host.toolstack.destroy(d);
            } else {
                host.guestShutsDown(d, ShutdownReason.POWEROFF);
                host.toolstack.doWork();
            }
        }
        host.toolstack.doWork();
        assertNothingLeft();
        assertThat(host.xenstored.core().checkStore()).isEmpty();
    }
}

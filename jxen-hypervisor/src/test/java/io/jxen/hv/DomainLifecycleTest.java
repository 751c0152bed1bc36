package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnBindVirqDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.StartInfoDescriptor;
import io.jxen.abi.xen.StartInfoFlags;
import io.jxen.abi.xen.Virq;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.domain.DomainListener;
import io.jxen.hv.domain.ShutdownReason;
import io.jxen.memory.OutOfFramesException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DomainLifecycleTest {

    @TempDir
    Path dir;
    TestHost host;

    @BeforeEach
    void setUp() {
        host = new TestHost(dir);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    @Test
    void firstDomainIsDom0ThenTheRoverHandsOutTheNextFreeId() {
        assertThat(host.domain(16, 1).domid()).isZero();
        assertThat(host.domain(16, 1).domid()).isEqualTo(1);
        assertThat(host.domain(16, 1).domid()).isEqualTo(2);
        assertThat(host.hv.destroyDomain(1)).isTrue();
        assertThat(host.domain(16, 1).domid()).as("a destroyed id is not handed out again at once").isEqualTo(3);
        assertThat(host.hv.createDomain(DomainConfig.of(16, 1), 1).domid()).as("asked for by number").isEqualTo(1);
        assertThat(host.domain(16, 1).domid()).as("an id asked for leaves the rover alone").isEqualTo(4);
        assertThat(host.hv.destroyDomain(0)).isTrue();
        assertThat(host.domain(16, 1).domid()).as("dom0 is never handed out again").isEqualTo(5);
        assertThat(host.hv.destroyDomain(99)).isFalse();
    }

    /** XEN_DOMCTL_createdomain's rover wraps from the last id to 1 and skips ids in use. */
    @Test
    void theRoverWrapsToOneAndSkipsIdsInUse() {
        assertThat(host.domain(4, 1).domid()).isZero();
        Domain kept = host.domain(4, 1);
        assertThat(kept.domid()).isEqualTo(1);
        for (int id = 2; id <= Hypervisor.MAX_DOMID; id++) {
            Domain d = host.domain(4, 1);
            assertThat(d.domid()).isEqualTo(id);
            host.hv.destroyDomain(id);
        }
        assertThat(host.domain(4, 1).domid()).as("past the last id: 1 is in use, so 2").isEqualTo(2);
    }

    @Test
    void startInfoIsFilledAsForA64BitPvGuest() {
        Domain dom0 = host.domain(32, 1);
        Domain domU = host.domain(64, 2);
        TestHost.Guest g = host.guest(domU);
        long si = domU.startInfoGfn() << XenPage.SHIFT;
        byte[] magic = g.mem().read(si + StartInfoDescriptor.MAGIC_OFFSET, Domain.START_INFO_MAGIC.length() + 1);
        assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("xen-3.0-x86_64\0");
        assertThat(g.mem().getLong(si + StartInfoDescriptor.NR_PAGES_OFFSET)).isEqualTo(64);
        long sharedInfoGpa = g.mem().getLong(si + StartInfoDescriptor.SHARED_INFO_OFFSET);
        assertThat(sharedInfoGpa >>> XenPage.SHIFT).isEqualTo(domU.sharedInfoGfn());
        assertThat(g.mem().getInt(si + StartInfoDescriptor.FLAGS_OFFSET)).isZero();
        long si0 = dom0.startInfoGfn() << XenPage.SHIFT;
        assertThat(host.guest(dom0).mem().getInt(si0 + StartInfoDescriptor.FLAGS_OFFSET))
                .isEqualTo(StartInfoFlags.PRIVILEGED | StartInfoFlags.INITDOMAIN);

        domU.setStore(40, 7);
        domU.setConsole(41, 8);
        assertThat(g.mem().getLong(si + StartInfoDescriptor.STORE_MFN_OFFSET)).isEqualTo(40);
        assertThat(g.mem().getInt(si + StartInfoDescriptor.STORE_EVTCHN_OFFSET)).isEqualTo(7);
        assertThat(g.mem().getLong(si + StartInfoDescriptor.CONSOLE_DOMU_MFN_OFFSET)).isEqualTo(41);
        assertThat(g.mem().getInt(si + StartInfoDescriptor.CONSOLE_DOMU_EVTCHN_OFFSET)).isEqualTo(8);
    }

    @Test
    void sharedInfoIsMappedIntoTheGuestAndHoldsVcpuInfoForTheFirst32Vcpus() {
        Domain d = host.domain(16, 40);
        TestHost.Guest g = host.guest(d);
        long shared = d.sharedInfoGfn() << XenPage.SHIFT;
        g.mem().putLong(shared + SharedInfoDescriptor.EVTCHN_MASK_OFFSET, 0x5a);
        assertThat(d.sharedInfo().get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED,
                SharedInfoDescriptor.EVTCHN_MASK_OFFSET)).isEqualTo(0x5a);
        assertThat(d.vcpu(31).vcpuInfo().address() - d.sharedInfo().address()).isEqualTo(31 * 64);
        assertThat(d.vcpu(32).vcpuInfoRegistered()).isFalse();
    }

    @Test
    void createdPausedAndPauseIsCounted() {
        Domain d = host.domain(16, 1);
        assertThat(d.paused()).isTrue();
        assertThat(host.hv.unpause(d.domid())).isTrue();
        assertThat(d.paused()).isFalse();
        assertThat(host.hv.unpause(d.domid())).isFalse();
        host.hv.pause(d.domid());
        host.hv.pause(d.domid());
        host.hv.unpause(d.domid());
        assertThat(d.paused()).isTrue();
    }

    @Test
    void shutdownRecordsTheFirstReasonTellsListenersAndRaisesDomExcInDom0() {
        Domain dom0 = host.domain(16, 1);
        Domain domU = host.domain(16, 1);
        TestHost.Guest g0 = host.guest(dom0);
        g0.mem().putInt(TestHost.Guest.ARG + EvtchnBindVirqDescriptor.VIRQ_OFFSET, Virq.DOM_EXC);
        g0.mem().putInt(TestHost.Guest.ARG + EvtchnBindVirqDescriptor.VCPU_OFFSET, 0);
        assertThat(g0.hc().hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_VIRQ, TestHost.Guest.ARG)).isZero();
        int port = g0.mem().getInt(TestHost.Guest.ARG + EvtchnBindVirqDescriptor.PORT_OFFSET);
        List<String> events = new ArrayList<>();
        host.hv.addListener(new DomainListener() {
            @Override
            public void onShutdown(Domain domain, ShutdownReason reason) {
                events.add("shutdown d" + domain.domid() + " " + reason);
            }

            @Override
            public void onDestroy(int domid) {
                events.add("destroy d" + domid);
            }
        });

        TestHost.Guest gU = host.guest(domU);
        gU.mem().putInt(TestHost.Guest.ARG, io.jxen.abi.sched.ShutdownReason.CRASH);
        assertThat(gU.hc().hypercall(Hypercall.SCHED_OP, SchedOp.SHUTDOWN, TestHost.Guest.ARG)).isZero();
        gU.mem().putInt(TestHost.Guest.ARG, io.jxen.abi.sched.ShutdownReason.POWEROFF);
        assertThat(gU.hc().hypercall(Hypercall.SCHED_OP, SchedOp.SHUTDOWN, TestHost.Guest.ARG)).isZero();

        assertThat(domU.shutdownReason()).isEqualTo(ShutdownReason.CRASH);
        assertThat(dom0.eventChannels().pending(port)).isTrue();
        host.hv.destroyDomain(domU.domid());
        assertThat(events).containsExactly("shutdown d1 CRASH", "destroy d1");
    }

    @Test
    void everyShutdownReasonIsRecorded() {
        for (ShutdownReason reason : ShutdownReason.values()) {
            Domain d = host.domain(4, 1);
            TestHost.Guest g = host.guest(d);
            g.mem().putInt(TestHost.Guest.ARG, reason.code());
            assertThat(g.hc().hypercall(Hypercall.SCHED_OP, SchedOp.SHUTDOWN, TestHost.Guest.ARG)).isZero();
            assertThat(d.shutdownReason()).isEqualTo(reason);
            host.hv.destroyDomain(d.domid());
        }
    }

    @Test
    void aDestroyedDomainsHypercallsAnswerEsrch() {
        Domain d = host.domain(4, 1);
        var hc = host.hv.hypercalls(d.domid(), 0);
        host.hv.destroyDomain(d.domid());
        assertThat(hc.hypercall(Hypercall.SCHED_OP, SchedOp.YIELD, 0)).isEqualTo(-io.jxen.abi.XenErrno.ESRCH);
    }

    @Test
    void createDestroyCyclesLeaveNoFrameAllocated() {
        long free = host.memory.allocator().freeFrames();
        Domain dom0 = host.domain(8, 1);
        long afterDom0 = host.memory.allocator().freeFrames();
        for (int i = 0; i < 2_000; i++) {
            Domain d = host.hv.createDomain(DomainConfig.of(16 + i % 7, 1 + i % 3));
            assertThat(d.domid()).isEqualTo(1 + i); // the rover moves on
            host.hv.destroyDomain(d.domid());
        }
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(afterDom0);
        host.hv.destroyDomain(dom0.domid());
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(free);
    }

    @Test
    void aDomainTooBigForTheHostIsRefusedAndKeepsNothing() {
        long free = host.memory.allocator().freeFrames();
        assertThatThrownBy(() -> host.domain(TestHost.FRAMES, 1)).isInstanceOf(OutOfFramesException.class);
        assertThat(host.memory.allocator().freeFrames()).isEqualTo(free);
        assertThat(host.hv.domids()).isEmpty();
    }
}

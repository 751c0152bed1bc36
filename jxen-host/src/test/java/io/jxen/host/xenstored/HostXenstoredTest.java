package io.jxen.host.xenstored;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.gnttab.GrantEntryV1Flyweight;
import io.jxen.abi.gnttab.GrantTableLimits;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;
import io.jxen.xenstore.client.XenstoreClient;
import io.jxen.xenstore.wire.XsMessage;
import io.jxen.xenstore.wire.XsPayload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole assembly a host runs: socket daemon with a journal, rings on the hypervisor on an
 * agent thread; the toolstack introduces over the socket, a guest talks over its ring, the
 * domain's destruction reaches a dom0 watcher, and a restart keeps dom0's nodes.
 */
class HostXenstoredTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // guards the build only; nothing waits on time
    void toolstackOverTheSocketGuestOverItsRingDeathAndRestart() throws Exception {
        Path journal = dir.resolve("journal");
        try (MachineMemory memory = MachineMemory.create(dir.resolve("host.mem"), 4096)) {
            Hypervisor hv = new Hypervisor(memory, new VirtualClock(0));
            hv.createDomain(DomainConfig.of(64, 1));
            hv.unpause(0);
            long freeAtStart = hv.host().allocator().freeFrames();
            try (HostXenstored xsd = HostXenstored.start(hv, dir.resolve("sock"), journal, 0x3000);
                 XenstoreClient xs = XenstoreClient.connect(xsd.server().socket())) {
                Domain d = hv.createDomain(DomainConfig.of(64, 1));
                int domid = d.domid();
                long storeGfn = d.startInfoGfn() - 1;
                hv.platform(domid).memory().zero(storeGfn << XenPage.SHIFT, XenPage.SIZE);
                var m0 = hv.platform(0).memory();
                m0.zero(0x2000, EvtchnAllocUnboundDescriptor.SIZE);
                m0.putShort(0x2000 + EvtchnAllocUnboundDescriptor.DOM_OFFSET, (short) domid);
                assertThat(hv.hypercalls(0, 0).hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.ALLOC_UNBOUND, 0x2000))
                        .isZero();
                int port = m0.getInt(0x2000 + EvtchnAllocUnboundDescriptor.PORT_OFFSET);
                d.setStore(storeGfn, port);
                MemorySegment frame = hv.host().memory().frame(d.grantTable().frameMfn(0));
                GrantEntryV1Flyweight e = new GrantEntryV1Flyweight().wrap(frame,
                        (long) GrantTableLimits.RESERVED_XENSTORE * 8);
                e.setDomid(0);
                e.setFrame((int) storeGfn);
                e.setFlagsRelease(Gtf.PERMIT_ACCESS);
                hv.unpause(domid);

                xs.request(XsMessageTypes.INTRODUCE, 0, XsPayload.joinStrings(Integer.toString(domid),
                        Long.toString(storeGfn), Integer.toString(port)));
                String home = "/local/domain/" + domid;
                xs.write(home, "");
                xs.setPerms(home, List.of("n" + domid));
                xs.write("/tool/kept", "by dom0");
                AtomicInteger releaseEvents = new AtomicInteger();
                xs.watch("@releaseDomain", "rel", (path, token) -> releaseEvents.incrementAndGet());

                SimGuest g = new SimGuest(hv.platform(domid));
                for (int i = 0; i < 20; i++) {
                    g.queue(XsMessage.ofStrings(XsMessageTypes.WRITE, i, 0, "k" + i, "v" + i));
                    while (g.push(4096) > 0) {
                        // everything fits
                    }
                    XsMessage got = null;
                    while (got == null) {
                        if (g.takeEvent()) {
                            List<XsMessage> m = g.pull(4096);
                            got = m.isEmpty() ? null : m.getLast();
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                    assertThat(got.type()).isEqualTo(XsMessageTypes.WRITE);
                }
                assertThat(xs.read(home + "/k19")).isEqualTo("v19\0");

                while (releaseEvents.get() < 1) {
                    Thread.onSpinWait(); // the watch's initial event
                }
                hv.destroyDomain(domid);
                while (releaseEvents.get() < 2) {
                    Thread.onSpinWait(); // @releaseDomain for the death
                }
                // Wait until the death was processed: the home path is gone.
                boolean removed = false;
                while (!removed) {
                    try {
                        xs.read(home);
                    } catch (io.jxen.xenstore.wire.XenstoreException notThere) {
                        removed = true;
                    }
                }
                assertThat(xsd.rings().domains()).isEmpty();
                while (hv.host().allocator().freeFrames() != freeAtStart) {
                    Thread.onSpinWait(); // the agent unmaps the ring after the death
                }
            }
            try (HostXenstored xsd = HostXenstored.start(hv, dir.resolve("sock2"), journal, 0x3000);
                 XenstoreClient xs = XenstoreClient.connect(xsd.server().socket())) {
                assertThat(xs.read("/tool/kept")).isEqualTo("by dom0");
                assertThat(xs.directory("/local/domain")).isEmpty();
            }
        }
    }
}

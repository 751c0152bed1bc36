package io.jxen.host.xenstored;

import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.GrantEntryV1Flyweight;
import io.jxen.abi.gnttab.GrantTableLimits;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.memory.MachineMemory;
import io.jxen.runtime.Agent;
import io.jxen.sim.Seeds;
import io.jxen.sim.SimulationRunner;
import io.jxen.xenstore.server.Connection;
import io.jxen.xenstore.server.XenstoredCore;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rings agent and guest agents stepped by the seeded {@link SimulationRunner}: several
 * guests write, read back and watch, interleaved in a seeded order with seeded chunk sizes;
 * every reply arrives and matches, watch events arrive, no ring breaks.
 */
class HypervisorRingsSimulationTest {

    @TempDir
    Path dir;

    /** A guest running a script of requests over its ring, one at a time. */
    private static final class GuestAgent implements Agent {
        final SimGuest g;
        final Deque<XsMessage> script = new ArrayDeque<>();
        final List<XsMessage> replies = new ArrayList<>();
        final SplittableRandom rnd;
        XsMessage current;
        int events;

        GuestAgent(SimGuest g, long seed) {
            this.g = g;
            this.rnd = new SplittableRandom(seed);
        }

        boolean done() {
            return current == null && script.isEmpty();
        }

        @Override
        public int doWork() {
            int work = 0;
            if (current == null && !script.isEmpty()) {
                current = script.poll();
                g.queue(current);
            }
            work += g.push(1 + rnd.nextInt(200));
            if (g.takeEvent()) {
                while (g.available() > 0) {
                    for (XsMessage m : g.pull(1 + rnd.nextInt(200))) {
                        work++;
                        if (m.type() == XsMessageTypes.WATCH_EVENT) {
                            events++;
                        } else {
                            assertThat(current).isNotNull();
                            assertThat(m.requestId()).isEqualTo(current.requestId());
                            replies.add(m);
                            current = null;
                        }
                    }
                }
            }
            return work;
        }

        @Override
        public String roleName() {
            return "guest-" + g.platform.domid();
        }
    }

    @Test
    void guestsAndTheRingsAgentInterleaveUnderASeededSchedule() {
        Seeds.run(seed -> {
            try (MachineMemory memory = MachineMemory.create(dir.resolve("host-" + seed + ".mem"), 4096)) {
                run(seed, memory);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private void run(long seed, MachineMemory memory) {
        SimulationRunner sim = new SimulationRunner(seed);
        Hypervisor hv = new Hypervisor(memory, sim.clock());
        hv.createDomain(DomainConfig.of(64, 1));
        hv.unpause(0);
        XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
        HypervisorRings rings = HypervisorRings.attach(hv, core, 0x3000);
        Connection dom0 = core.connect(Caller.DOM0, m -> true);
        sim.add(rings);
        List<GuestAgent> guests = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int n = 0; n < 3; n++) {
            Domain d = hv.createDomain(DomainConfig.of(64, 1));
            int domid = d.domid();
            long storeGfn = d.startInfoGfn() - 1;
            hv.platform(domid).memory().zero(storeGfn << XenPage.SHIFT, XenPage.SIZE);
            int port = allocUnbound(hv, domid);
            d.setStore(storeGfn, port);
            MemorySegment frame = hv.host().memory().frame(d.grantTable().frameMfn(0));
            GrantEntryV1Flyweight e = new GrantEntryV1Flyweight().wrap(frame, (long) GrantTableLimits.RESERVED_XENSTORE * 8);
            e.setDomid(0);
            e.setFrame((int) storeGfn);
            e.setFlagsRelease(Gtf.PERMIT_ACCESS);
            hv.unpause(domid);
            core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.INTRODUCE, 1, 0, Integer.toString(domid),
                    Long.toString(storeGfn), Integer.toString(port)));
            core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.MKDIR, 2, 0, "/local/domain/" + domid));
            core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.SET_PERMS, 3, 0, "/local/domain/" + domid, "n" + domid));
            GuestAgent a = new GuestAgent(new SimGuest(hv.platform(domid)), rnd.nextLong());
            a.script.add(XsMessage.ofStrings(XsMessageTypes.WATCH, 1, 0, "w", "tok"));
            for (int i = 0; i < 40; i++) {
                a.script.add(XsMessage.ofStrings(XsMessageTypes.WRITE, 100 + i, 0, "w/k" + i, "x".repeat(rnd.nextInt(900)) + i));
                a.script.add(XsMessage.ofStrings(XsMessageTypes.READ, 200 + i, 0, "w/k" + i));
            }
            guests.add(a);
            sim.add(a);
        }
        sim.addInvariant(() -> {
            for (int domid : rings.domains()) {
                assertThat(rings.ring(domid).error()).isZero();
            }
        });
        sim.runUntil(() -> guests.stream().allMatch(GuestAgent::done), 60_000_000_000L);
        for (GuestAgent a : guests) {
            assertThat(a.replies).hasSize(81);
            for (XsMessage r : a.replies) {
                assertThat(r.type()).as("%s", r).isNotEqualTo(XsMessageTypes.ERROR);
                if (r.type() == XsMessageTypes.READ) {
                    String v = new String(r.payload(), StandardCharsets.ISO_8859_1);
                    assertThat(v).endsWith((r.requestId() - 200) + "\0");
                }
            }
            assertThat(a.events).isGreaterThanOrEqualTo(41);
        }
        assertThat(hv.internalErrors()).isZero();
    }

    private static int allocUnbound(Hypervisor hv, int domid) {
        var m0 = hv.platform(0).memory();
        long arg = 0x2000;
        m0.zero(arg, io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor.SIZE);
        m0.putShort(arg + io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor.DOM_OFFSET, (short) domid);
        long rc = hv.hypercalls(0, 0).hypercall(io.jxen.abi.Hypercall.EVENT_CHANNEL_OP,
                io.jxen.abi.evtchn.EvtchnOp.ALLOC_UNBOUND, arg);
        assertThat(rc).isZero();
        return m0.getInt(arg + io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor.PORT_OFFSET);
    }
}

package io.jxen.hv;

import io.jxen.abi.XenErrno;
import io.jxen.abi.evtchn.EvtchnStat;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.Virq;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.evtchn.ChannelState;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model-based stateful test of the 2-level event-channel ABI: random chains of hypercalls,
 * hypervisor-raised VIRQs and guest-side bit manipulation across two domains (dom0, which
 * handles global VIRQs and is privileged, and a domU), each checked against a small reference
 * model of port states, pending and mask bits, selectors and upcall flags. jqwik prints the seed
 * and the shrunk chain of a failure.
 */
class EventChannelModelProperties {

    /** Ports the test names: two allocation buckets and a few beyond the domains' limit. */
    static final int PORTS = 80;
    /** {@code max_evtchn_port}: dom0's is inside the second bucket, the domU's small enough to run out. */
    static int maxPort(int domid) {
        return domid == 0 ? 70 : 10;
    }
    static final int VCPUS = 2;

    /** Worlds of the current try, closed after it (each maps a memory file). */
    static final java.util.Queue<World> WORLDS = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Property(tries = 60)
    void twoLevelMatchesTheModel(@ForAll("twoLevelChains") ActionChain<World> chain) {
        chain.withInvariant(World::check).run();
    }

    @Property(tries = 60)
    void fifoMatchesTheModel(@ForAll("fifoChains") ActionChain<World> chain) {
        chain.withInvariant(World::check).run();
    }

    @Provide
    Arbitrary<ActionChain<World>> twoLevelChains() {
        return chains(false);
    }

    @Provide
    Arbitrary<ActionChain<World>> fifoChains() {
        return chains(true);
    }

    @net.jqwik.api.lifecycle.AfterTry
    void closeWorlds() {
        World w;
        while ((w = WORLDS.poll()) != null) {
            w.close();
        }
    }

    /** The same semantic suite over either ABI. */
    Arbitrary<ActionChain<World>> chains(boolean fifo) {
        return ActionChain.startWith(() -> new World(fifo))
                .withAction(3, new AllocUnbound())
                .withAction(3, new BindInterdomain())
                .withAction(new BindIpi())
                .withAction(new BindVirq())
                .withAction(2, new Close())
                .withAction(4, new Send())
                .withAction(2, new Unmask())
                .withAction(new BindVcpu())
                .withAction(new Status())
                .withAction(new Reset())
                .withAction(3, new GuestMask())
                .withAction(3, new GuestClearPending())
                .withAction(2, new GuestAck())
                .withAction(new RaiseVirq())
                .withMaxTransformations(60);
    }

    // ---- the world: real hypervisor plus model ----------------------------------------------

    static final class World {
        final Path dir;
        final MachineMemory memory;
        final Hypervisor hv;
        final Domain[] domains = new Domain[2];
        final GuestEvtchn[] guests = new GuestEvtchn[2];
        final ModelDomain[] model = new ModelDomain[2];
        final GuestFifo[] fifos = new GuestFifo[2];
        final boolean fifo;

        World(boolean fifo) {
            this.fifo = fifo;
            try {
                dir = Files.createTempDirectory("jxen-evtchn-model");
                memory = MachineMemory.create(dir.resolve("host.mem"), 1024);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            hv = new Hypervisor(memory, new VirtualClock(0));
            for (int i = 0; i < 2; i++) {
                domains[i] = hv.createDomain(new DomainConfig(8, 8, VCPUS, 1, maxPort(i)));
                TestHost.Guest g = new TestHost.Guest(domains[i], hv.hypercalls(i, 0), domains[i].guestPhysicalMemory());
                guests[i] = new GuestEvtchn(g);
                model[i] = new ModelDomain(i, i == 0, fifo);
                if (fifo) {
                    fifos[i] = new GuestFifo(g.hc(), g.mem(), VCPUS);
                    initFifo(i);
                }
            }
            WORLDS.add(this);
        }

        /** A Linux-like FIFO start: control blocks for both vCPUs in gfn 4, one zeroed array page (gfn 5). */
        void initFifo(int d) {
            GuestFifo f = fifos[d];
            f.mem.zero(4L << 12, 2 * 4096);
            f.arrayGfns.clear();
            for (int[] heads : f.localHead) {
                Arrays.fill(heads, 0);
            }
            assertThat(f.initControl(0, 4, 0)).isZero();
            assertThat(f.initControl(1, 4, 128)).isZero();
            assertThat(f.expandArray(5, false)).isZero();
        }

        boolean realPending(int d, int port) {
            return fifo ? fifos[d].bit(port, io.jxen.abi.evtchn.EvtchnFifo.PENDING) : guests[d].pending(port);
        }

        boolean realMasked(int d, int port) {
            return fifo ? fifos[d].bit(port, io.jxen.abi.evtchn.EvtchnFifo.MASKED) : guests[d].masked(port);
        }

        ModelDomain peer(int domid) {
            return domid >= 0 && domid < 2 ? model[domid] : null;
        }

        void close() {
            if (!memory.isOpen()) {
                return;
            }
            memory.close();
            try {
                Files.deleteIfExists(dir.resolve("host.mem"));
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Real state equals the model, port by port and bit by bit. */
        void check() {
            {
                assertThat(hv.internalErrors()).isZero();
                for (int d = 0; d < 2; d++) {
                    ModelDomain m = model[d];
                    var real = domains[d].eventChannels();
                    assertThat(real.validPorts()).as("d%d valid ports", d).isEqualTo(m.valid);
                    for (int p = 0; p < m.valid; p++) {
                        assertThat(real.state(p)).as("d%d port %d state", d, p).isEqualTo(m.state[p]);
                        if (m.state[p] != ChannelState.FREE && m.state[p] != ChannelState.RESERVED) {
                            assertThat(real.notifyVcpu(p)).as("d%d port %d vcpu", d, p).isEqualTo(m.notify[p]);
                        }
                    }
                    for (int p = 0; p < PORTS; p++) {
                        assertThat(realPending(d, p)).as("d%d port %d pending", d, p).isEqualTo(m.pending[p]);
                        assertThat(realMasked(d, p)).as("d%d port %d masked", d, p).isEqualTo(m.mask[p]);
                        if (fifo) {
                            assertThat(fifos[d].bit(p, io.jxen.abi.evtchn.EvtchnFifo.LINKED))
                                    .as("d%d port %d linked", d, p).isEqualTo(m.linked[p]);
                        }
                    }
                    for (int v = 0; v < VCPUS && !fifo; v++) {
                        assertThat(guests[d].pendingSel(v)).as("d%d v%d sel", d, v).isEqualTo(m.sel[v]);
                        assertThat(guests[d].upcallPending(v)).as("d%d v%d upcall", d, v).isEqualTo(m.upcall[v]);
                    }
                }
            }
        }
    }

    /** The reference model of one domain's ports (event_channel.c and event_2l.c, simply). */
    static final class ModelDomain {
        final int id;
        final boolean privileged;
        final ChannelState[] state = new ChannelState[PORTS + 64];
        final int[] notify = new int[PORTS + 64];
        final int[] remoteDom = new int[PORTS + 64];
        final int[] remotePort = new int[PORTS + 64];
        final int[] virq = new int[PORTS + 64];
        final boolean[] pending = new boolean[PORTS + 64];
        final boolean[] mask = new boolean[PORTS + 64];
        final long[] sel = new long[VCPUS];
        final boolean[] upcall = new boolean[VCPUS];
        final int[][] virqPort = new int[VCPUS][Virq.NR_VIRQS];
        final boolean fifo;
        /** FIFO: the port is on a queue (LINKED), and whose. */
        final boolean[] linked = new boolean[PORTS + 64];
        final int[] linkedVcpu = new int[PORTS + 64];
        int valid = 64;

        ModelDomain(int id, boolean privileged, boolean fifo) {
            this.id = id;
            this.privileged = privileged;
            this.fifo = fifo;
            Arrays.fill(state, ChannelState.FREE);
            state[0] = ChannelState.RESERVED;
        }

        boolean valid(long port) {
            return port >= 0 && port < valid;
        }

        /** get_free_port, growing valid in buckets of 64. */
        int freePort() {
            for (int p = 0; p <= maxPort(id); p++) {
                if (p >= valid) {
                    valid += 64;
                    return p;
                }
                if (state[p] == ChannelState.FREE && !linked[p]) {
                    return p;
                }
            }
            return -XenErrno.ENOSPC;
        }

        void setPending(int vcpu, int port) {
            if (fifo) {
                // event_fifo.c: PENDING, then link if unmasked and not yet on a queue
                pending[port] = true;
                if (!mask[port] && !linked[port]) {
                    linked[port] = true;
                    linkedVcpu[port] = vcpu;
                }
                return;
            }
            if (pending[port]) {
                return;
            }
            pending[port] = true;
            if (!mask[port] && (sel[vcpu] & (1L << (port / 64))) == 0) {
                sel[vcpu] |= 1L << (port / 64);
                upcall[vcpu] = true;
            }
        }

        void unmask(int port) {
            if (fifo) {
                mask[port] = false;
                if (pending[port]) {
                    setPending(notify[port], port);
                }
                return;
            }
            if (mask[port]) {
                mask[port] = false;
                int v = notify[port];
                if (pending[port] && (sel[v] & (1L << (port / 64))) == 0) {
                    sel[v] |= 1L << (port / 64);
                    upcall[v] = true;
                }
            }
        }

        void free(int port) {
            pending[port] = false;
            state[port] = ChannelState.FREE;
            notify[port] = 0;
        }
    }

    static boolean perVcpu(int virq) {
        return virq == Virq.TIMER || virq == Virq.DEBUG;
    }

    static long close(World w, int d, long port) {
        ModelDomain m = w.model[d];
        if (!m.valid(port)) {
            return -XenErrno.EINVAL;
        }
        int p = (int) port;
        switch (m.state[p]) {
            case FREE, RESERVED -> {
                return -XenErrno.EINVAL;
            }
            case VIRQ -> m.virqPort[perVcpu(m.virq[p]) ? m.notify[p] : 0][m.virq[p]] = 0;
            case INTERDOMAIN -> {
                ModelDomain r = w.model[m.remoteDom[p]];
                r.state[m.remotePort[p]] = ChannelState.UNBOUND;
                r.remoteDom[m.remotePort[p]] = d;
            }
            default -> {
            }
        }
        m.free(p);
        return 0;
    }

    // ---- actions ---------------------------------------------------------------------------

    static Arbitrary<Integer> dom() {
        return Arbitraries.integers().between(0, 1);
    }

    /** Mostly the low ports, where the bound ones are; sometimes anywhere, including invalid. */
    static Arbitrary<Integer> port() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0, 12)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, PORTS - 1)));
    }

    static Arbitrary<Integer> vcpu() {
        return Arbitraries.integers().between(0, VCPUS);
    }

    static final class AllocUnbound implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), Arbitraries.of(0, 1, DomId.SELF, 5), Arbitraries.of(true, false, false))
                    .as((d, remote, other) -> Transformer.mutate("alloc_unbound d" + d + " remote " + remote
                            + (other ? " in the other domain" : ""), w -> {
                        int target = other ? 1 - d : d;
                        long real = w.guests[d].allocUnbound(other ? target : DomId.SELF, remote);
                        ModelDomain m = w.model[target];
                        long expected;
                        int port = m.freePort();
                        if (port < 0) {
                            expected = port;
                        } else if (other && !w.model[d].privileged) {
                            expected = -XenErrno.EPERM;
                        } else {
                            m.state[port] = ChannelState.UNBOUND;
                            m.remoteDom[port] = remote == DomId.SELF ? d : remote;
                            expected = port;
                        }
                        assertThat(real).isEqualTo(expected);
                    }));
        }
    }

    static final class BindInterdomain implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), Arbitraries.of(0, 1, DomId.SELF, 6), port())
                    .as((d, remote, rport) -> Transformer.mutate("bind_interdomain d" + d + " to d" + remote
                            + " port " + rport, w -> {
                        long real = w.guests[d].bindInterdomain(remote, rport);
                        int rd = remote == DomId.SELF ? d : remote;
                        ModelDomain r = w.peer(rd);
                        ModelDomain l = w.model[d];
                        long expected;
                        if (r == null) {
                            expected = -XenErrno.ESRCH;
                        } else {
                            int lport = l.freePort();
                            if (lport < 0) {
                                expected = lport;
                            } else if (!r.valid(rport) || r.state[rport] != ChannelState.UNBOUND
                                    || r.remoteDom[rport] != d) {
                                expected = -XenErrno.EINVAL;
                            } else {
                                l.state[lport] = ChannelState.INTERDOMAIN;
                                l.remoteDom[lport] = rd;
                                l.remotePort[lport] = rport;
                                r.state[rport] = ChannelState.INTERDOMAIN;
                                r.remoteDom[rport] = d;
                                r.remotePort[rport] = lport;
                                l.setPending(l.notify[lport], lport);
                                expected = lport;
                            }
                        }
                        assertThat(real).isEqualTo(expected);
                    }));
        }
    }

    static final class BindIpi implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), vcpu()).as((d, v) -> Transformer.mutate("bind_ipi d" + d + " v" + v, w -> {
                long real = w.guests[d].bindIpi(v);
                ModelDomain m = w.model[d];
                long expected;
                if (v >= VCPUS) {
                    expected = -XenErrno.ENOENT;
                } else {
                    int port = m.freePort();
                    if (port >= 0) {
                        m.state[port] = ChannelState.IPI;
                        m.notify[port] = v;
                    }
                    expected = port;
                }
                assertThat(real).isEqualTo(expected);
            }));
        }
    }

    static final class BindVirq implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), Arbitraries.of(Virq.TIMER, Virq.DEBUG, Virq.DOM_EXC, Virq.CONSOLE), vcpu())
                    .as((d, virq, v) -> Transformer.mutate("bind_virq d" + d + " virq " + virq + " v" + v, w -> {
                        long real = w.guests[d].bindVirq(virq, v);
                        ModelDomain m = w.model[d];
                        long expected;
                        if (!perVcpu(virq) && v != 0) {
                            expected = -XenErrno.EINVAL;
                        } else if (v >= VCPUS) {
                            expected = -XenErrno.ENOENT;
                        } else if (!perVcpu(virq) && d != 0) {
                            expected = -XenErrno.EBUSY;
                        } else if (m.virqPort[v][virq] != 0) {
                            expected = -XenErrno.EEXIST;
                        } else {
                            int port = m.freePort();
                            if (port >= 0) {
                                m.state[port] = ChannelState.VIRQ;
                                m.notify[port] = v;
                                m.virq[port] = virq;
                                m.virqPort[v][virq] = port;
                            }
                            expected = port;
                        }
                        assertThat(real).isEqualTo(expected);
                    }));
        }
    }

    static final class Close implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), port()).as((d, p) -> Transformer.mutate("close d" + d + " port " + p,
                    w -> assertThat(w.guests[d].close(p)).isEqualTo(close(w, d, p))));
        }
    }

    static final class Send implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), port()).as((d, p) -> Transformer.mutate("send d" + d + " port " + p, w -> {
                long real = w.guests[d].send(p);
                ModelDomain m = w.model[d];
                long expected = 0;
                if (!m.valid(p)) {
                    expected = -XenErrno.EINVAL;
                } else {
                    switch (m.state[p]) {
                        case INTERDOMAIN -> {
                            ModelDomain r = w.model[m.remoteDom[p]];
                            int rp = m.remotePort[p];
                            r.setPending(r.notify[rp], rp);
                        }
                        case IPI -> m.setPending(m.notify[p], p);
                        case UNBOUND -> {
                        }
                        default -> expected = -XenErrno.EINVAL;
                    }
                }
                assertThat(real).isEqualTo(expected);
            }));
        }
    }

    static final class Unmask implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), port()).as((d, p) -> Transformer.mutate("unmask d" + d + " port " + p, w -> {
                long real = w.guests[d].unmask(p);
                ModelDomain m = w.model[d];
                long expected = 0;
                if (!m.valid(p)) {
                    expected = -XenErrno.EINVAL;
                } else {
                    m.unmask(p);
                }
                assertThat(real).isEqualTo(expected);
            }));
        }
    }

    static final class BindVcpu implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), port(), vcpu())
                    .as((d, p, v) -> Transformer.mutate("bind_vcpu d" + d + " port " + p + " v" + v, w -> {
                        long real = w.guests[d].bindVcpu(p, v);
                        ModelDomain m = w.model[d];
                        long expected = 0;
                        if (v >= VCPUS) {
                            expected = -XenErrno.ENOENT;
                        } else if (!m.valid(p)) {
                            expected = -XenErrno.EINVAL;
                        } else {
                            switch (m.state[p]) {
                                case VIRQ -> {
                                    if (perVcpu(m.virq[p])) {
                                        expected = -XenErrno.EINVAL;
                                    } else {
                                        m.notify[p] = v;
                                    }
                                }
                                case UNBOUND, INTERDOMAIN -> m.notify[p] = v;
                                default -> expected = -XenErrno.EINVAL;
                            }
                        }
                        assertThat(real).isEqualTo(expected);
                    }));
        }
    }

    static final class Status implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), Arbitraries.of(0, 1, DomId.SELF), port())
                    .as((d, target, p) -> Transformer.mutate("status d" + d + " of d" + target + " port " + p, w -> {
                        long[] real = w.guests[d].status(target, p);
                        int t = target == DomId.SELF ? d : target;
                        ModelDomain m = w.model[t];
                        if (!m.valid(p)) {
                            assertThat(real[0]).isEqualTo(-XenErrno.EINVAL);
                        } else if (t != d && !w.model[d].privileged) {
                            assertThat(real[0]).isEqualTo(-XenErrno.EPERM);
                        } else {
                            int expected = switch (m.state[p]) {
                                case FREE, RESERVED -> EvtchnStat.CLOSED;
                                case UNBOUND -> EvtchnStat.UNBOUND;
                                case INTERDOMAIN -> EvtchnStat.INTERDOMAIN;
                                case PIRQ -> EvtchnStat.PIRQ;
                                case VIRQ -> EvtchnStat.VIRQ;
                                case IPI -> EvtchnStat.IPI;
                            };
                            assertThat(real[0]).isZero();
                            assertThat(real[1]).isEqualTo(expected);
                            assertThat(real[2]).isEqualTo(m.notify[p]);
                            if (m.state[p] == ChannelState.INTERDOMAIN) {
                                assertThat(real[3] & 0xFFFF).isEqualTo(m.remoteDom[p]);
                                assertThat(real[4]).isEqualTo(m.remotePort[p]);
                            }
                        }
                    }));
        }
    }

    static final class Reset implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return dom().map(d -> Transformer.mutate("reset d" + d, w -> {
                long real = w.guests[d].reset(DomId.SELF);
                for (int p = 1; p < w.model[d].valid; p++) {
                    if (w.model[d].state[p] != ChannelState.FREE) {
                        close(w, d, p);
                    }
                }
                assertThat(real).isZero();
                if (w.fifo) {
                    // reset went back to 2-level; the guest starts FIFO again on fresh pages
                    w.initFifo(d);
                    Arrays.fill(w.model[d].mask, false);
                    Arrays.fill(w.model[d].pending, false);
                    Arrays.fill(w.model[d].linked, false);
                }
            }));
        }
    }

    static final class GuestMask implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), port(), Arbitraries.of(true, false))
                    .as((d, p, on) -> Transformer.mutate("guest d" + d + " mask " + p + " " + on, w -> {
                        ModelDomain m = w.model[d];
                        if (!w.fifo) {
                            w.guests[d].setMask(p, on);
                            m.mask[p] = on;
                        } else if (on || !m.pending[p]) {
                            w.fifos[d].setBit(p, io.jxen.abi.evtchn.EvtchnFifo.MASKED, on);
                            m.mask[p] = on;
                        } else {
                            // Linux's FIFO unmask: a pending port is unmasked by Xen, which relinks it
                            assertThat(w.guests[d].unmask(p)).isZero();
                            m.unmask(p);
                        }
                    }));
        }
    }

    static final class GuestClearPending implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), port()).as((d, p) -> Transformer.mutate("guest d" + d + " clears " + p, w -> {
                if (w.fifo) {
                    w.fifos[d].setBit(p, io.jxen.abi.evtchn.EvtchnFifo.PENDING, false);
                } else {
                    w.guests[d].clearPending(p);
                }
                w.model[d].pending[p] = false;
            }));
        }
    }

    /** The start of an upcall handler: clear evtchn_upcall_pending, then take the selector. */
    static final class GuestAck implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), Arbitraries.integers().between(0, VCPUS - 1))
                    .as((d, v) -> Transformer.mutate("guest d" + d + " v" + v + " takes its upcall", w -> {
                        ModelDomain m = w.model[d];
                        w.guests[d].clearUpcallPending(v);
                        m.upcall[v] = false;
                        if (!w.fifo) {
                            w.guests[d].clearPendingSel(v);
                            m.sel[v] = 0;
                            return;
                        }
                        // FIFO: drain every queue of the vCPU; each handled port is acked (PENDING cleared)
                        java.util.Set<Integer> expected = new java.util.TreeSet<>();
                        for (int p = 0; p < m.linked.length; p++) {
                            if (m.linked[p] && m.linkedVcpu[p] == v) {
                                m.linked[p] = false;
                                if (m.pending[p] && !m.mask[p]) {
                                    expected.add(p);
                                    m.pending[p] = false;
                                }
                            }
                        }
                        assertThat(new java.util.TreeSet<>(w.fifos[d].consume(v))).isEqualTo(expected);
                    }));
        }
    }

    static final class RaiseVirq implements Action.Independent<World> {
        @Override
        public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(dom(), Arbitraries.of(Virq.TIMER, Virq.DEBUG, Virq.DOM_EXC, Virq.CONSOLE), Arbitraries.integers().between(0, VCPUS - 1))
                    .as((d, virq, v) -> Transformer.mutate("hypervisor raises virq " + virq + " on d" + d + "v" + v, w -> {
                        if (perVcpu(virq)) {
                            w.hv.sendVcpuVirq(d, v, virq);
                            int port = w.model[d].virqPort[v][virq];
                            if (port != 0) {
                                w.model[d].setPending(w.model[d].notify[port], port);
                            }
                        } else {
                            w.hv.sendGlobalVirq(virq);
                            int port = w.model[0].virqPort[0][virq];
                            if (port != 0) {
                                w.model[0].setPending(w.model[0].notify[port], port);
                            }
                        }
                    }));
        }
    }
}

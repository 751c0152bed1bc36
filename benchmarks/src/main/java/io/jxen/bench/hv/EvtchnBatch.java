package io.jxen.bench.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnBindIpiDescriptor;
import io.jxen.abi.evtchn.EvtchnFifo;
import io.jxen.abi.evtchn.EvtchnFifoControlBlockDescriptor;
import io.jxen.abi.evtchn.EvtchnInitControlDescriptor;
import io.jxen.abi.evtchn.EvtchnLimits;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.bench.Figures;
import io.jxen.hv.Hypervisor;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.memory.MachineMemory;
import io.jxen.runtime.SystemClock;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The batching half of {@code evtchn}: a domain with N IPI ports bound to vCPU 0 sends on every
 * one (N EVTCHNOP_send), then takes one upcall that handles all N: 2-level scans
 * evtchn_pending_sel and the pending words (pending and not masked, bits cleared), FIFO walks
 * its queue from the control block's HEAD as Linux's events_fifo.c does (clear LINKED/LINK,
 * clear PENDING). Events per second counts the send and the handling, and the handler alone.
 * 2-level has 4096 ports on 64-bit, so its 100k run does not exist; FIFO runs all three sizes.
 */
final class EvtchnBatch {

    private static final int[] SIZES = {1_000, 4_000, 100_000};
    private static final long CONTROL_GFN = 3;
    private static final long ARRAY_FIRST_GFN = 16;

    private EvtchnBatch() {
    }

    static void run(boolean quick, PrintStream out, Figures f) throws Exception {
        Path dir = Files.createTempDirectory("jxen-bench-evb");
        try (MachineMemory memory = MachineMemory.create(dir.resolve("host.mem"), 2048)) {
            Hypervisor hv = new Hypervisor(memory, SystemClock.INSTANCE);
            hv.createDomain(DomainConfig.of(16, 1));
            for (int n : SIZES) {
                long events = quick ? Math.max(200_000, n * 2L) : Math.max(4_000_000, n * 20L);
                int rounds = (int) Math.max(2, events / n);
                double[] lvl2 = n < EvtchnLimits.EVTCHN_2L_NR_CHANNELS ? measure(hv, n, false, rounds) : null;
                double[] fifo = measure(hv, n, true, rounds);
                String label = n >= 1000 && n % 1000 == 0 ? (n / 1000) + "k" : Integer.toString(n);
                if (lvl2 != null) {
                    out.printf("%s ports pending per upcall: 2-level %.0f events/s (handler alone %.0f/s), FIFO %.0f events/s (handler alone %.0f/s); FIFO/2-level %.2f%n",
                            label, lvl2[0], lvl2[1], fifo[0], fifo[1], fifo[0] / lvl2[0]);
                    f.put("batch_" + label + "_2l_events_per_s", lvl2[0])
                            .put("batch_" + label + "_2l_handler_events_per_s", lvl2[1]);
                } else {
                    out.printf("%s ports pending per upcall: 2-level n/a (4096 ports at most), FIFO %.0f events/s (handler alone %.0f/s)%n",
                            label, fifo[0], fifo[1]);
                }
                f.put("batch_" + label + "_fifo_events_per_s", fifo[0])
                        .put("batch_" + label + "_fifo_handler_events_per_s", fifo[1]);
                if (lvl2 != null) {
                    f.put("batch_" + label + "_ratio_fifo_to_2l", fifo[0] / lvl2[0]);
                }
            }
            if (hv.internalErrors() != 0) {
                throw new IllegalStateException("hypervisor internal errors: " + hv.internalErrors());
            }
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** {events per second send+handle, events per second handler alone}, after a warm-up of rounds/4. */
    private static double[] measure(Hypervisor hv, int n, boolean fifo, int rounds) {
        int arrayPages = (n + 1 + 1023) / 1024 + 1;
        long pages = ARRAY_FIRST_GFN + arrayPages + 16;
        Domain d = hv.createDomain(new DomainConfig(pages, pages, 1, 4,
                fifo ? EvtchnFifo.NR_CHANNELS - 1 : EvtchnLimits.EVTCHN_2L_NR_CHANNELS - 1));
        try {
            hv.unpause(d.domid());
            BenchGuest g = new BenchGuest(hv.platform(d.domid()));
            GuestPhysicalMemory mem = g.mem;
            if (fifo) {
                mem.zero(BenchGuest.ARG, EvtchnInitControlDescriptor.SIZE);
                mem.zero(CONTROL_GFN << XenPage.SHIFT, XenPage.SIZE);
                mem.putLong(BenchGuest.ARG + EvtchnInitControlDescriptor.CONTROL_GFN_OFFSET, CONTROL_GFN);
                BenchGuest.check(g.hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.INIT_CONTROL, BenchGuest.ARG),
                        "init_control");
                for (int p = 0; p < arrayPages; p++) {
                    long gfn = ARRAY_FIRST_GFN + p;
                    mem.zero(gfn << XenPage.SHIFT, XenPage.SIZE);
                    mem.putLong(BenchGuest.ARG, gfn);
                    BenchGuest.check(g.hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.EXPAND_ARRAY, BenchGuest.ARG),
                            "expand_array " + p);
                }
            }
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                mem.zero(BenchGuest.ARG, EvtchnBindIpiDescriptor.SIZE);
                BenchGuest.check(g.hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_IPI, BenchGuest.ARG), "bind_ipi");
                ports[i] = mem.getInt(BenchGuest.ARG + EvtchnBindIpiDescriptor.PORT_OFFSET);
            }
            long[] sendArgs = new long[n];
            long argBase = (ARRAY_FIRST_GFN + arrayPages) << XenPage.SHIFT; // 16 spare pages: 4096 send args
            for (int i = 0; i < n; i++) {
                sendArgs[i] = argBase + 4L * (i % 4096);
            }
            Handler handler = fifo ? new FifoHandler(g) : new TwoLevelHandler(g);
            int warm = Math.max(1, rounds / 4);
            long total = 0;
            long handling = 0;
            for (int r = -warm; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    long at = sendArgs[i];
                    mem.putInt(at, ports[i]);
                    g.send(at);
                }
                long t1 = System.nanoTime();
                long handled = handler.upcall();
                long t2 = System.nanoTime();
                if (handled != n) {
                    throw new IllegalStateException((fifo ? "FIFO" : "2-level") + " handled " + handled + " of " + n);
                }
                if (r >= 0) {
                    total += t2 - t0;
                    handling += t2 - t1;
                }
            }
            long events = (long) n * rounds;
            return new double[] {events * 1e9 / total, events * 1e9 / handling};
        } finally {
            hv.destroyDomain(d.domid());
        }
    }

    private interface Handler {
        /** Takes one upcall on vCPU 0 and returns the number of ports handled. */
        long upcall();
    }

    /** Linux's 2-level handler: selector words, then pending and not masked, bit by bit. */
    private static final class TwoLevelHandler implements Handler {
        private final GuestPhysicalMemory mem;
        private final long vcpu;
        private final long pending;
        private final long mask;

        TwoLevelHandler(BenchGuest g) {
            mem = g.mem;
            vcpu = g.sharedInfo + SharedInfoDescriptor.VCPU_INFO_OFFSET;
            pending = g.sharedInfo + SharedInfoDescriptor.EVTCHN_PENDING_OFFSET;
            mask = g.sharedInfo + SharedInfoDescriptor.EVTCHN_MASK_OFFSET;
        }

        @Override
        public long upcall() {
            long handled = 0;
            mem.putByte(vcpu + VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET, (byte) 0);
            long sel = mem.getLong(vcpu + VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET);
            mem.putLong(vcpu + VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET, 0);
            while (sel != 0) {
                int w = Long.numberOfTrailingZeros(sel);
                sel &= sel - 1;
                long word = pending + 8L * w;
                long bits = mem.getLong(word) & ~mem.getLong(mask + 8L * w);
                while (bits != 0) {
                    long bit = bits & -bits;
                    bits &= ~bit;
                    mem.putLong(word, mem.getLong(word) & ~bit); // clear_evtchn, then the port's handler
                    handled++;
                }
            }
            return handled;
        }
    }

    /** Linux's {@code __evtchn_fifo_handle_events} for one queue-walking upcall. */
    private static final class FifoHandler implements Handler {
        private final GuestPhysicalMemory mem;
        private final long vcpu;
        private final long control = CONTROL_GFN << XenPage.SHIFT;
        private final int[] localHead = new int[EvtchnFifo.MAX_QUEUES];

        FifoHandler(BenchGuest g) {
            mem = g.mem;
            vcpu = g.sharedInfo + SharedInfoDescriptor.VCPU_INFO_OFFSET;
        }

        private long wordGpa(int port) {
            return ((ARRAY_FIRST_GFN + port / 1024) << XenPage.SHIFT) + 4L * (port % 1024);
        }

        @Override
        public long upcall() {
            long handled = 0;
            mem.putByte(vcpu + VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET, (byte) 0);
            long readyGpa = control + EvtchnFifoControlBlockDescriptor.READY_OFFSET;
            int ready = mem.getInt(readyGpa);
            mem.putInt(readyGpa, 0);
            while (ready != 0) {
                int q = Integer.numberOfTrailingZeros(ready);
                int port = localHead[q];
                if (port == 0) {
                    port = mem.getInt(control + EvtchnFifoControlBlockDescriptor.HEAD_OFFSET + 4L * q);
                }
                long at = wordGpa(port);
                int w = mem.getInt(at);
                int next = w & EvtchnFifo.LINK_MASK;
                w &= ~((1 << EvtchnFifo.LINKED) | EvtchnFifo.LINK_MASK);
                if (next == 0) {
                    ready &= ~(1 << q);
                }
                if ((w & (1 << EvtchnFifo.PENDING)) != 0 && (w & (1 << EvtchnFifo.MASKED)) == 0) {
                    w &= ~(1 << EvtchnFifo.PENDING);
                    handled++;
                }
                mem.putInt(at, w);
                localHead[q] = next;
                if (next == 0) {
                    ready |= mem.getInt(readyGpa);
                    mem.putInt(readyGpa, 0);
                }
            }
            return handled;
        }
    }
}

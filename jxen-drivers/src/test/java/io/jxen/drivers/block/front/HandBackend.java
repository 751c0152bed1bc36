package io.jxen.drivers.block.front;

import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifRequestDescriptor;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.drivers.block.back.BlkifResponseEncoder;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.SharedRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A blkif backend made by hand in dom0, for tests that need to see the shared ring's fields and
 * whether each push asked for an event: maps the ring, takes requests and answers them in any
 * order (OKAY, no data moved).
 */
final class HandBackend {

    private static final int SLOT = BlkifSringDescriptor.X86_64.ENTRY_SIZE;

    final BlkifTestHost host;
    final BackRing back;
    final int irq;
    final List<long[]> taken = new ArrayList<>(); // {id, operation}
    final BlkifResponseEncoder encoder = new BlkifResponseEncoder(io.jxen.abi.XenAbi.X86_64);
    final MemorySegment request = MemorySegment.ofArray(new long[SLOT / 8]);
    /** Pushes that sent the event; read by the test thread once the threads that answer are joined. */
    volatile int events;
    int quietPushes;

    HandBackend(BlkifTestHost host, GuestKernel guest, FrontendRing ring, int window) {
        this.host = host;
        long gfn = host.window(window);
        host.dom0Grants.mapGrantRef(guest.domid(), ring.ringRefs().getFirst(), gfn << XenPage.SHIFT, false);
        back = BackRing.init(SharedRing.ofPages(List.of(host.dom0.memory().page(gfn)), SLOT));
        irq = host.dom0.intr().bindInterdomain("hand-backend-" + window, guest.domid(), ring.eventChannel(),
                IrqHandler.filter(() -> { }));
    }

    /** Copies out every request pushed so far. */
    synchronized int take() {
        int n = back.unconsumedRequests();
        for (int i = 0; i < n; i++) {
            back.copyRequest(request);
            long id = request.get(ValueLayout.JAVA_LONG_UNALIGNED, BlkifRequestDescriptor.X86_64.ID_OFFSET);
            int op = request.get(ValueLayout.JAVA_BYTE, BlkifRequestDescriptor.X86_64.OPERATION_OFFSET);
            taken.add(new long[] {id, op});
        }
        return n;
    }

    /**
     * Answers up to {@code count} taken requests (a random choice of them) with OKAY and
     * pushes; sends the event when the push says so. Returns whether it did.
     */
    synchronized boolean answer(int count, Random random) {
        int n = Math.min(count, taken.size());
        for (int i = 0; i < n; i++) {
            long[] r = taken.remove(random.nextInt(taken.size()));
            encoder.encode(back.responseSlot(), 0, r[0], (int) r[1], BlkifRsp.OKAY);
            back.produceResponse();
        }
        if (back.pushResponsesAndCheckNotify()) {
            events++;
            host.dom0.intr().notify(irq);
            return true;
        }
        quietPushes++;
        return false;
    }

    /** Takes every request pushed so far and answers them all; returns how many. */
    synchronized int answerAll() {
        int n = take();
        if (n > 0) {
            answer(n, new Random(n));
        }
        return n;
    }

    SharedRing shared() {
        return back.ring();
    }
}

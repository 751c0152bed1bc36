package io.jxen.drivers.block.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.jxen.abi.XenPage;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.abi.blkif.BlkifRequestDescriptor;
import io.jxen.abi.blkif.BlkifSringDescriptor;
import io.jxen.drivers.block.back.BlkifDeviceProfile;
import io.jxen.drivers.block.back.BlkifResponseEncoder;
import io.jxen.drivers.block.back.BlkifTestHost;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.SharedRing;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A backend that answers with a response naming no request in flight, or the wrong operation,
 * fails the device (as Linux's blkif_interrupt does: "response has bad id"/"bad operation"):
 * every request in flight completes with an error, and their grants and pages go back to the
 * guest, since the device will never use them again. The backend here is the test itself: it
 * maps the ring from dom0 and writes one bogus response.
 */
class BlkfrontBogusResponseTest {

    private static final int DISK = 1 << 20;

    @ParameterizedTest(name = "bogus {0}")
    @ValueSource(strings = {"id", "operation"})
    void aBogusResponseFailsTheDeviceAndGivesBackThePagesOfEveryRequestInFlight(String what) throws Exception {
        try (BlkifTestHost host = new BlkifTestHost(); FileEngine disk = host.image(DISK)) {
            GuestKernel guest = host.boot(1024);
            GrantTableClient grants = guest.grantTable();
            Blkfront front = new Blkfront(guest, grants, 0, 0, 32, false, host.waiter());
            var features = BlkifTestHost.features(BlkifDeviceProfile.of(disk, 32), false);
            FrontendRing ring = front.connect(features);

            // dom0 maps the ring page and binds the port: a backend of its own making.
            long gfn = host.window(0);
            host.dom0Grants.mapGrantRef(guest.domid(), ring.ringRefs().getFirst(), gfn << XenPage.SHIFT, false);
            BackRing back = BackRing.init(SharedRing.ofPages(List.of(host.dom0.memory().page(gfn)),
                    BlkifSringDescriptor.X86_64.ENTRY_SIZE));
            int irq = host.dom0.intr().bindInterdomain("bogus-backend", guest.domid(), ring.eventChannel(),
                    IrqHandler.filter(() -> { }));
            front.deviceProperties(features);
            int freeBefore = grants.freeCount();

            List<CompletableFuture<Void>> reads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                reads.add(front.submitRead((long) i * 45056, ByteBuffer.allocate(45056))); // 11 pages each
            }
            assertThat(grants.freeCount()).as("each read granted its 11 pages").isEqualTo(freeBefore - 33);
            assertThat(back.unconsumedRequests()).isEqualTo(3);

            MemorySegment request = MemorySegment.ofArray(new long[BlkifSringDescriptor.X86_64.ENTRY_SIZE / 8]);
            back.copyRequest(request);
            long id = request.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, BlkifRequestDescriptor.X86_64.ID_OFFSET);
            BlkifResponseEncoder encoder = new BlkifResponseEncoder(ring.abi());
            encoder.encode(back.responseSlot(), 0, what.equals("id") ? id + 1000 : id,
                    what.equals("id") ? BlkifOp.READ : BlkifOp.WRITE, BlkifRsp.OKAY);
            back.produceResponse();
            back.pushResponses();
            host.dom0.intr().notify(irq);
            while (host.step() > 0) {
                // the guest takes the event and reads the response
            }

            assertThat(front.failure()).as("the device failed").isNotNull();
            for (CompletableFuture<Void> read : reads) {
                assertThat(read).isCompletedExceptionally();
            }
            assertThat(grants.freeCount()).as("the 33 data grants were ended").isEqualTo(freeBefore);
        }
    }
}

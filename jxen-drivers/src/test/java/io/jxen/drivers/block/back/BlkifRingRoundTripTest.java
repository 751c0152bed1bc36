package io.jxen.drivers.block.back;

import io.jxen.abi.XenAbi;
import io.jxen.abi.blkif.BlkifOp;
import io.jxen.abi.blkif.BlkifRequestFlyweight;
import io.jxen.abi.blkif.BlkifResponseFlyweight;
import io.jxen.abi.blkif.BlkifRsp;
import io.jxen.drivers.block.back.engine.FileEngine;
import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.FrontRing;
import io.jxen.memory.ring.SharedRing;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pieces that exist so far, end to end over a real shared ring (jxen-memory): a frontend
 * puts requests, the backend copies each out once, decodes it, runs it on the file engine
 * against "granted" pages (a map standing in for the grant table until the hypervisor lands),
 * and answers in the response slot; the frontend checks ids, operations and statuses.
 */
class BlkifRingRoundTripTest {

    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private static int entrySize(XenAbi abi) {
        return abi == XenAbi.X86_64 ? 112 : 108;
    }

    @ParameterizedTest
    @EnumSource(XenAbi.class)
    void requestsGoThroughTheRingTheDecoderAndTheEngine(XenAbi abi) throws IOException {
        try (Arena arena = Arena.ofConfined();
             FileEngine engine = FileEngine.create(dir.resolve("disk.img"), 1 << 20, FileEngine.Options.sync())) {
            MemorySegment shared = arena.allocate(PAGE, PAGE);
            SharedRing ring = new SharedRing(shared, entrySize(abi));
            FrontRing front = FrontRing.init(ring);
            BackRing back = BackRing.attach(ring, 0);
            Map<Integer, MemorySegment> grants = new HashMap<>();
            for (int gref = 100; gref < 111; gref++) {
                MemorySegment page = arena.allocate(PAGE, PAGE);
                page.fill((byte) gref);
                grants.put(gref, page);
            }

            // Frontend: write 2 pages at sector 8, read them back into other pages, an evil
            // request, a flush, a discard.
            BlkifRequestFlyweight request = new BlkifRequestFlyweight(abi);
            putTransfer(front, request, BlkifOp.WRITE, 1, 8, new int[] {100, 101});
            putTransfer(front, request, BlkifOp.READ, 2, 8, new int[] {102, 103});
            putTransfer(front, request, 9, 3, 0, new int[] {104});
            putTransfer(front, request, BlkifOp.FLUSH_DISKCACHE, 4, 0, new int[0]);
            putTransfer(front, request, BlkifOp.WRITE, 5, 2047, new int[] {105}); // past the end
            front.pushRequests();

            // Backend.
            BlkifRequestDecoder decoder = new BlkifRequestDecoder(abi, BlkifDeviceProfile.of(engine, 32));
            BlkifResponseEncoder encoder = new BlkifResponseEncoder(abi);
            MemorySegment copy = MemorySegment.ofArray(new long[14]);
            int ready = back.unconsumedRequests();
            assertThat(ready).isEqualTo(5);
            for (int i = 0; i < ready; i++) {
                back.copyRequest(copy);
                // The frontend scribbles over the slot after the copy: nothing changes for us.
                ring.slot(back.requestConsumer() - 1).fill((byte) 0xee);
                BlkifDecoded decoded = decoder.decode(copy, 0);
                int status = switch (decoded) {
                    case BlkifRequest r -> execute(r, engine, grants);
                    case BlkifRejection rejection -> rejection.status();
                };
                encoder.encode(back.responseSlot(), 0, decoded, status);
                back.produceResponse();
            }
            back.pushResponses();

            // Frontend collects.
            assertThat(front.unconsumedResponses()).isEqualTo(5);
            BlkifResponseFlyweight response = new BlkifResponseFlyweight(abi);
            MemorySegment responseCopy = MemorySegment.ofArray(new long[14]);
            long[][] expected = {{1, BlkifOp.WRITE, BlkifRsp.OKAY}, {2, BlkifOp.READ, BlkifRsp.OKAY},
                    {3, 9, BlkifRsp.EOPNOTSUPP}, {4, BlkifOp.FLUSH_DISKCACHE, BlkifRsp.OKAY},
                    {5, BlkifOp.WRITE, BlkifRsp.ERROR}};
            for (long[] want : expected) {
                front.copyResponse(responseCopy);
                response.wrap(responseCopy, 0);
                assertThat(new long[] {response.getId(), response.getOperation(), response.getStatus()}).containsExactly(want);
                // Bytes of the slot after the response are the frontend's scribbles, padding is zero.
                assertThat(responseCopy.get(ValueLayout.JAVA_BYTE, 9)).isZero();
            }
            assertThat(grants.get(102).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 100);
            assertThat(grants.get(103).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 101);
        }
    }

    private static void putTransfer(FrontRing front, BlkifRequestFlyweight request, int operation, long id,
                                    long sector, int[] grefs) {
        MemorySegment slot = front.requestSlot();
        slot.fill((byte) 0);
        request.wrap(slot, 0);
        request.setOperation(operation);
        request.setId(id);
        request.setSectorNumber(sector);
        request.setNrSegments(grefs.length);
        for (int i = 0; i < grefs.length; i++) {
            request.setSegment(i, grefs[i], 0, 7);
        }
        front.produceRequest();
    }

    /** A stand-in for blkback's dispatch: moves data between the engine and the granted pages. */
    private static int execute(BlkifRequest request, FileEngine engine, Map<Integer, MemorySegment> grants) {
        try {
            if (request instanceof BlkifRequest.Transfer transfer) {
                long offset = transfer.offsetBytes();
                for (BlkifSegment segment : transfer.segments()) {
                    ByteBuffer window = grants.get(segment.gref())
                            .asSlice(segment.pageOffsetBytes(), segment.lengthBytes()).asByteBuffer();
                    if (transfer.operation() == BlkifOp.READ) {
                        engine.read(offset, window);
                    } else {
                        engine.write(offset, window, false);
                    }
                    offset += segment.lengthBytes();
                }
                if (transfer.operation() == BlkifOp.FLUSH_DISKCACHE) {
                    engine.flush();
                }
                return BlkifRsp.OKAY;
            }
            return BlkifRsp.EOPNOTSUPP;
        } catch (IOException e) {
            return BlkifRsp.ERROR;
        }
    }
}

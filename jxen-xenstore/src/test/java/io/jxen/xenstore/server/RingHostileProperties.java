package io.jxen.xenstore.server;

import io.jxen.abi.xs.XsMessageTypes;
import io.jxen.abi.OrderedAccess;
import io.jxen.xenstore.store.Caller;
import io.jxen.xenstore.store.Quotas;
import io.jxen.xenstore.wire.XsMessage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.CONNECTION_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_NONE;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_PROTO;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.ERROR_RINGIDX;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.REQ_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_CONS_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.RSP_PROD_OFFSET;
import static io.jxen.abi.xs.XenstoreDomainInterfaceDescriptor.SIZE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guest that scribbles anything anywhere on its ring page, between server steps: the server
 * never throws, never writes past {@code struct xenstore_domain_interface}, ends healthy or
 * with RINGIDX/PROTO in the error field, and the store stays consistent.
 */
class RingHostileProperties {

    /** One guest move: {@code kind} 0 = int at an index/field offset, 1 = bytes in req[], 2 = a valid request. */
    record Move(int kind, int at, int value, byte[] bytes) {
    }

    @Provide
    Arbitrary<List<Move>> moves() {
        Arbitrary<Move> field = Arbitraries.integers().between(0, 6).flatMap(slot -> Arbitraries.oneOf(
                        Arbitraries.integers(), Arbitraries.integers().between(-2, 2100), Arbitraries.of(0, 1, 1024, 1025))
                .map(v -> new Move(0, 2048 + slot * 4, v, null)));
        Arbitrary<Move> bytes = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300)
                .flatMap(b -> Arbitraries.integers().between(0, 1023).map(at -> new Move(1, at, 0, b)));
        Arbitrary<Move> valid = Arbitraries.of(XsMessageTypes.READ, XsMessageTypes.WRITE, XsMessageTypes.WATCH,
                        XsMessageTypes.TRANSACTION_START, XsMessageTypes.DIRECTORY, 999)
                .map(t -> new Move(2, t, 0, XsMessage.ofStrings(t, 1, 0, "/local/domain/3/a", "tok").encode()));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, field), net.jqwik.api.Tuple.of(3, bytes), net.jqwik.api.Tuple.of(4, valid))
                .list().ofMaxSize(40);
    }

    @Property(tries = 300)
    void anyPageContentBreaksAtMostThisRing(@ForAll("moves") List<Move> moves) {
        XenstoredCore core = new XenstoredCore(Quotas.XEN_4_17, c -> { });
        Connection dom0 = core.connect(Caller.DOM0, m -> true);
        core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.INTRODUCE, 1, 0, "3", "0", "1"));
        core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.MKDIR, 1, 0, "/local/domain/3"));
        core.handle(dom0, XsMessage.ofStrings(XsMessageTypes.SET_PERMS, 1, 0, "/local/domain/3", "n3"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            for (int i = SIZE; i < 4096; i++) {
                page.set(OrderedAccess.BYTE, i, (byte) 0xA5);
            }
            RingConnection ring = new RingConnection(core, 3, page, () -> { });
            TestRingGuest guest = new TestRingGuest(page);
            for (Move m : moves) {
                switch (m.kind()) {
                    case 0 -> OrderedAccess.setIntRelease(page, m.at(), m.value());
                    case 1 -> {
                        for (int i = 0; i < m.bytes().length; i++) {
                            page.set(OrderedAccess.BYTE, (m.at() + i) & 1023, m.bytes()[i]);
                        }
                    }
                    default -> {
                        guest.queue(m.bytes());
                        guest.push(4096);
                    }
                }
                ring.notified();
                ring.process();
                // The guest consumes whatever the server produced (it may be garbage by now).
                OrderedAccess.setIntRelease(page, RSP_CONS_OFFSET, OrderedAccess.getIntAcquire(page, RSP_PROD_OFFSET));
                int error = ring.error();
                assertThat(error).isIn(ERROR_NONE, ERROR_RINGIDX, ERROR_PROTO);
            }
            for (int i = SIZE; i < 4096; i++) {
                assertThat(page.get(OrderedAccess.BYTE, i)).as("byte %d past the interface", i).isEqualTo((byte) 0xA5);
            }
            // A reconnect always brings the ring back.
            OrderedAccess.setIntRelease(page, CONNECTION_OFFSET, 1);
            ring.process();
            assertThat(ring.error()).isEqualTo(ERROR_NONE);
            assertThat(OrderedAccess.getIntPlain(page, REQ_CONS_OFFSET)).isZero();
        }
        assertThat(core.checkStore()).isEmpty();
    }
}

package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenPage;
import io.jxen.abi.evtchn.EvtchnAllocUnboundDescriptor;
import io.jxen.abi.evtchn.EvtchnBindInterdomainDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.xen.DomId;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.StartInfoDescriptor;
import io.jxen.abi.xen.VcpuInfoDescriptor;
import io.jxen.hv.domain.Domain;
import io.jxen.hypercall.GuestPlatform;
import io.jxen.hypercall.Hypercalls;
import io.jxen.abi.OrderedAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two guests on their own threads, knowing only their {@link GuestPlatform}, bounce an event
 * over an interdomain channel many times: each finds shared_info through start_info, blocks in
 * SCHEDOP_block, and scans the 2-level bitmaps with atomic operations while the hypervisor sets
 * bits from the other thread. A lost wake-up would hang (the {@link Timeout} only guards the
 * build against that); a lost or duplicated event fails the count.
 */
class PingPongTest {

    static final int ROUND_TRIPS = 2_000;

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

    /** A minimal guest: its port, and the 2-level receive side of vCPU 0. */
    static final class MiniGuest {
        final Hypercalls hc;
        final MemorySegment sharedInfo;
        final MemorySegment vcpuInfo;
        final GuestPlatform platform;
        long port;

        MiniGuest(GuestPlatform platform) {
            this.platform = platform;
            this.hc = platform.hypercalls(0);
            long sharedGpa = platform.memory().getLong(platform.startInfoGpa() + StartInfoDescriptor.SHARED_INFO_OFFSET);
            this.sharedInfo = platform.memory().page(sharedGpa >>> XenPage.SHIFT);
            this.vcpuInfo = sharedInfo.asSlice(SharedInfoDescriptor.VCPU_INFO_OFFSET, VcpuInfoDescriptor.SIZE);
        }

        void send() {
            platform.memory().putInt(TestHost.Guest.ARG + 8, (int) port);
            assertThat(hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.SEND, TestHost.Guest.ARG + 8)).isZero();
        }

        /** Blocks until at least one event arrived on {@link #port}; returns how many bits it took. */
        int receive() {
            while (true) {
                int got = scan();
                if (got > 0) {
                    return got;
                }
                if (hc.hypercall(Hypercall.SCHED_OP, SchedOp.BLOCK, 0) < 0) {
                    throw new IllegalStateException("the domain is gone");
                }
            }
        }

        /** The upcall handler: clear the master flag, take the selector, take pending bits. */
        int scan() {
            OrderedAccess.setByteVolatile(vcpuInfo, VcpuInfoDescriptor.EVTCHN_UPCALL_PENDING_OFFSET, (byte) 0);
            long sel = OrderedAccess.getAndClearLong(vcpuInfo, VcpuInfoDescriptor.EVTCHN_PENDING_SEL_OFFSET);
            int got = 0;
            while (sel != 0) {
                int word = Long.numberOfTrailingZeros(sel);
                sel &= sel - 1;
                long offset = SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + 8L * word;
                long bits = OrderedAccess.getLongVolatile(sharedInfo, offset)
                        & ~OrderedAccess.getLongVolatile(sharedInfo, SharedInfoDescriptor.EVTCHN_MASK_OFFSET + 8L * word);
                while (bits != 0) {
                    int bit = Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    if (OrderedAccess.testAndClearBit(sharedInfo, offset, bit) && word * 64 + bit == port) {
                        got++;
                    }
                }
            }
            return got;
        }
    }

    @Test
    @Timeout(120)
    void eventsBounceBetweenTwoDomainsWithoutLoss() throws InterruptedException {
        Domain da = host.domain(16, 1);
        Domain db = host.domain(16, 1);
        MiniGuest a = new MiniGuest(host.hv.platform(da.domid()));
        MiniGuest b = new MiniGuest(host.hv.platform(db.domid()));

        var ma = a.platform.memory();
        ma.putShort(TestHost.Guest.ARG + EvtchnAllocUnboundDescriptor.DOM_OFFSET, (short) DomId.SELF);
        ma.putShort(TestHost.Guest.ARG + EvtchnAllocUnboundDescriptor.REMOTE_DOM_OFFSET, (short) db.domid());
        assertThat(a.hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.ALLOC_UNBOUND, TestHost.Guest.ARG)).isZero();
        a.port = ma.getInt(TestHost.Guest.ARG + EvtchnAllocUnboundDescriptor.PORT_OFFSET);
        var mb = b.platform.memory();
        mb.putShort(TestHost.Guest.ARG + EvtchnBindInterdomainDescriptor.REMOTE_DOM_OFFSET, (short) da.domid());
        mb.putInt(TestHost.Guest.ARG + EvtchnBindInterdomainDescriptor.REMOTE_PORT_OFFSET, (int) a.port);
        assertThat(b.hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_INTERDOMAIN, TestHost.Guest.ARG)).isZero();
        b.port = mb.getInt(TestHost.Guest.ARG + EvtchnBindInterdomainDescriptor.LOCAL_PORT_OFFSET);
        b.scan(); // the bind marked b's port pending

        AtomicLong aReceived = new AtomicLong();
        AtomicLong bReceived = new AtomicLong();
        // If one side fails, destroying both domains wakes the other instead of leaving it blocked.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread.UncaughtExceptionHandler onFailure = (thread, error) -> {
            failure.compareAndSet(null, error);
            host.hv.destroyDomain(da.domid());
            host.hv.destroyDomain(db.domid());
        };
        Thread ta = Thread.ofPlatform().daemon().name("d" + da.domid() + "v0").uncaughtExceptionHandler(onFailure).start(() -> {
            for (int i = 0; i < ROUND_TRIPS; i++) {
                a.send();
                aReceived.addAndGet(a.receive());
            }
        });
        Thread tb = Thread.ofPlatform().daemon().name("d" + db.domid() + "v0").uncaughtExceptionHandler(onFailure).start(() -> {
            for (int i = 0; i < ROUND_TRIPS; i++) {
                bReceived.addAndGet(b.receive());
                b.send();
            }
        });
        ta.join();
        tb.join();
        assertThat(failure.get()).isNull();
        assertThat(aReceived.get()).isEqualTo(ROUND_TRIPS);
        assertThat(bReceived.get()).isEqualTo(ROUND_TRIPS);
    }
}

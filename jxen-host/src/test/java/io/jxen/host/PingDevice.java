package io.jxen.host;

import io.jxen.abi.XenPage;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.guest.xenbus.XenbusDevice;
import io.jxen.guest.xenbus.XenbusDriver;
import io.jxen.guest.xenbus.XenbusDriverException;
import io.jxen.guest.xenbus.XenbusErrno;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * A test split device, {@code jxenping}: the frontend grants a page holding "ping from dN" and
 * publishes {@code ring-ref} and {@code event-channel}; the backend maps the grant, binds the
 * channel, answers "pong to dN" at offset 2048 and notifies; the frontend's interrupt reads the
 * answer. Both ends undo everything in disconnect.
 */
final class PingDevice {

    static final String TYPE = "jxenping";
    static final int ANSWER = 2048;

    private PingDevice() {
    }

    static String text(MemorySegment page, long offset) {
        byte[] b = new byte[64];
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, offset, b, 0, b.length);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }

    static void put(MemorySegment page, long offset, String s) {
        byte[] b = (s + "\0").getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, page, ValueLayout.JAVA_BYTE, offset, b.length);
    }

    /** The guest's half. */
    static final class Front implements XenbusDriver {
        private final GuestKernel kernel;
        private final GrantTableClient grants;
        final CompletableFuture<String> answer = new CompletableFuture<>();
        private long gfn = -1;
        private int ref = -1;
        private int irq = -1;

        Front(GuestKernel kernel) {
            this.kernel = kernel;
            this.grants = kernel.grantTable();
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void probe(XenbusDevice device) {
        }

        @Override
        public void initialise(XenbusDevice device) throws Exception {
            gfn = kernel.pages().allocPage();
            MemorySegment page = kernel.memory().page(gfn);
            page.fill((byte) 0);
            put(page, 0, "ping from d" + kernel.domid());
            int[] r = new int[1];
            if (grants.grantForeignAccess(device.otherEndId(), gfn, false, r) != 0) {
                throw new XenbusDriverException(XenbusErrno.EINVAL, "no grant reference");
            }
            ref = r[0];
            irq = kernel.intr().allocAndBindLocalPort("ping", device.otherEndId(), IrqHandler.edgeThread(() -> {
                String a = text(page, ANSWER);
                if (!a.isEmpty()) {
                    answer.complete(a);
                }
            }));
            int port = kernel.intr().port(irq);
            device.transaction(tx -> {
                tx.write(device.nodename() + "/ring-ref", Integer.toString(ref));
                tx.write(device.nodename() + "/event-channel", Integer.toString(port));
                return null;
            });
        }

        @Override
        public void connect(XenbusDevice device) {
        }

        @Override
        public void disconnect(XenbusDevice device) {
            if (irq >= 0) {
                kernel.intr().unbind(irq);
                irq = -1;
            }
            if (ref >= 0) {
                grants.endForeignAccess(ref, () -> { });
                ref = -1;
            }
        }
    }

    /** dom0's half. */
    static final class Back implements XenbusDriver {
        private final GuestKernel dom0;
        private final GrantTableClient grants;
        private final LongFunction<MemorySegment> frames;
        volatile GrantTableClient.DeviceMapping mapping;
        volatile int irq = -1;
        volatile int localPort = -1;
        final CompletableFuture<String> ping = new CompletableFuture<>();

        Back(GuestKernel dom0, LongFunction<MemorySegment> frames) {
            this.dom0 = dom0;
            this.grants = dom0.grantTable();
            this.frames = frames;
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void probe(XenbusDevice device) {
        }

        @Override
        public void connect(XenbusDevice device) throws Exception {
            long ref = device.readOtherEndLong("ring-ref", -1);
            long port = device.readOtherEndLong("event-channel", -1);
            if (ref < 0 || port < 0) {
                throw new XenbusDriverException(XenbusErrno.EINVAL, "no ring-ref or event-channel");
            }
            mapping = grants.mapDeviceGrant(device.otherEndId(), (int) ref, false);
            MemorySegment page = frames.apply(mapping.mfn()).asSlice(0, XenPage.SIZE);
            ping.complete(text(page, 0));
            irq = dom0.intr().bindInterdomain("ping.d" + device.otherEndId(), device.otherEndId(), (int) port,
                    IrqHandler.edgeThread(() -> { }));
            localPort = dom0.intr().port(irq);
            put(page, ANSWER, "pong to d" + device.otherEndId());
            dom0.intr().notify(irq);
        }

        @Override
        public void disconnect(XenbusDevice device) {
            if (irq >= 0) {
                dom0.intr().unbind(irq);
                irq = -1;
            }
            GrantTableClient.DeviceMapping m = mapping;
            if (m != null) {
                grants.unmapDeviceGrant(m);
                mapping = null;
            }
        }
    }
}

package io.jxen.guest.console;

import io.jxen.abi.console.XenconsInterfaceDescriptor;
import io.jxen.guest.GuestHostAccess;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.EventChannelOps;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.hv.domain.Domain;
import io.jxen.abi.OrderedAccess;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class XenConsoleTest {

    private static final long CONSOLE_GFN = 201;

    /** A dom0 console backend reduced to its ring moves (xenconsoled's job), test scope. */
    private static String drainOut(MemorySegment page) {
        int cons = OrderedAccess.getIntPlain(page, XenconsInterfaceDescriptor.OUT_CONS_OFFSET);
        int prod = OrderedAccess.getIntAcquire(page, XenconsInterfaceDescriptor.OUT_PROD_OFFSET);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (; cons != prod; cons++) {
            out.write(page.get(OrderedAccess.BYTE, XenconsInterfaceDescriptor.OUT_OFFSET + (cons & 2047)));
        }
        OrderedAccess.setIntRelease(page, XenconsInterfaceDescriptor.OUT_CONS_OFFSET, cons);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static void type(MemorySegment page, String text) {
        int prod = OrderedAccess.getIntPlain(page, XenconsInterfaceDescriptor.IN_PROD_OFFSET);
        for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
            page.set(OrderedAccess.BYTE, XenconsInterfaceDescriptor.IN_OFFSET + (prod & 1023), b);
            prod++;
        }
        OrderedAccess.setIntRelease(page, XenconsInterfaceDescriptor.IN_PROD_OFFSET, prod);
    }

    @Test
    void outputReachesTheBackendAndInputTheGuest() {
        try (GuestHostAccess host = new GuestHostAccess()) {
            GuestKernel dom0 = host.boot(host.domain(256, 1));
            dom0.vcpu(0).poll();
            Domain du = host.domain(256, 1);
            int port = (int) EventChannelOps.allocUnbound(dom0.vcpu(0), du.domid(), 0);
            du.setConsole(CONSOLE_GFN, port);
            GuestKernel guest = host.boot(du);
            guest.vcpu(0).poll();
            AtomicInteger kicks = new AtomicInteger();
            int backIrq = dom0.intr().bindInterdomain("console.d" + du.domid(), du.domid(), port,
                    IrqHandler.filter(kicks::incrementAndGet));
            dom0.vcpu(0).poll();
            kicks.set(0);
            MemorySegment page = guest.memory().page(CONSOLE_GFN);

            try (XenConsole console = new XenConsole(guest)) {
                StringBuilder typed = new StringBuilder();
                console.onInput(b -> typed.append(new String(b, StandardCharsets.ISO_8859_1)));
                assertThat(console.write("Booting jxen guest\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo(19);
                dom0.vcpu(0).poll();
                assertThat(kicks).hasValue(1);
                assertThat(drainOut(page)).isEqualTo("Booting jxen guest\n");

                // A full ring takes what fits; the rest goes after the backend drained it.
                byte[] big = "x".repeat(3000).getBytes(StandardCharsets.US_ASCII);
                int first = console.write(big);
                assertThat(first).isEqualTo(XenconsInterfaceDescriptor.OUT_SIZE);
                assertThat(drainOut(page)).hasSize(first);
                assertThat(console.write(java.util.Arrays.copyOfRange(big, first, big.length))).isEqualTo(3000 - first);

                type(page, "ls -l\n");
                dom0.intr().notify(backIrq);
                guest.vcpu(0).poll();
                host.threads.drain();
                assertThat(typed.toString()).isEqualTo("ls -l\n");

                // A hostile backend breaks the console, not the guest.
                OrderedAccess.setIntRelease(page, XenconsInterfaceDescriptor.IN_PROD_OFFSET,
                        OrderedAccess.getIntPlain(page, XenconsInterfaceDescriptor.IN_CONS_OFFSET) + 5000);
                assertThat(console.read()).isEmpty();
                assertThat(console.broken()).isTrue();
                assertThat(console.write(new byte[] {'a'})).isZero();
            }
        }
    }
}

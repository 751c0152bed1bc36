package io.jxen.guest.console;

import io.jxen.abi.console.XenconsInterfaceDescriptor;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.abi.OrderedAccess;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The guest's PV console (Linux's hvc_xen {@code domU_write_console}/{@code domU_read_console},
 * FreeBSD's xen_console): {@code struct xencons_interface} (io/console.h) from start_info's
 * {@code console.domU.mfn} and {@code evtchn}, its channel bound as IRQ {@code xencons}.
 * Output goes into {@code out[]} (2048 bytes) up to the free space, input comes from {@code in[]}
 * (1024 bytes) and is handed to the input listener on the interrupt thread. A peer whose
 * indexes are further apart than the ring breaks the console (no further I/O), never the guest.
 */
public final class XenConsole implements AutoCloseable {

    /** The interrupt's name. */
    public static final String IRQ_NAME = "xencons";

    private final GuestKernel kernel;
    private final MemorySegment page;
    private final int irq;
    private volatile Consumer<byte[]> input = bytes -> { };
    private volatile boolean broken;
    private final Object space = new Object();

    /** Attaches to the console start_info names. */
    public XenConsole(GuestKernel kernel) {
        this.kernel = kernel;
        this.page = kernel.memory().page(kernel.consoleGfn());
        this.irq = kernel.intr().bindLocalPort(IRQ_NAME, kernel.consoleEvtchn(), IrqHandler.edgeThread(this::drainInput));
    }

    /** Where input bytes go (run on the interrupt thread). */
    public void onInput(Consumer<byte[]> listener) {
        this.input = Objects.requireNonNull(listener);
    }

    /** Whether the backend's indexes were impossible (the console stopped). */
    public boolean broken() {
        return broken;
    }

    /**
     * Writes as much of {@code data} as fits in {@code out[]} and notifies the backend.
     *
     * @return bytes written (fewer than asked when the ring is full; 0 if broken)
     */
    public synchronized int write(byte[] data) {
        if (broken) {
            return 0;
        }
        int cons = OrderedAccess.getIntAcquire(page, XenconsInterfaceDescriptor.OUT_CONS_OFFSET);
        int prod = OrderedAccess.getIntPlain(page, XenconsInterfaceDescriptor.OUT_PROD_OFFSET);
        if (Integer.compareUnsigned(prod - cons, XenconsInterfaceDescriptor.OUT_SIZE) > 0) {
            broken = true;
            return 0;
        }
        // mb(): the consumer index is read before we overwrite the space it freed.
        OrderedAccess.fullFence();
        int sent = 0;
        while (sent < data.length && prod - cons < XenconsInterfaceDescriptor.OUT_SIZE) {
            page.set(OrderedAccess.BYTE, XenconsInterfaceDescriptor.OUT_OFFSET
                    + (prod & (XenconsInterfaceDescriptor.OUT_SIZE - 1)), data[sent++]);
            prod++;
        }
        // wmb(): the bytes before the producer index.
        OrderedAccess.setIntRelease(page, XenconsInterfaceDescriptor.OUT_PROD_OFFSET, prod);
        if (sent > 0) {
            kernel.intr().notify(irq);
        }
        return sent;
    }

    /**
     * Reads pending input from {@code in[]} and frees its space.
     *
     * @return the bytes (empty if none)
     */
    public synchronized byte[] read() {
        if (broken) {
            return new byte[0];
        }
        int cons = OrderedAccess.getIntPlain(page, XenconsInterfaceDescriptor.IN_CONS_OFFSET);
        int prod = OrderedAccess.getIntAcquire(page, XenconsInterfaceDescriptor.IN_PROD_OFFSET);
        int n = prod - cons;
        if (Integer.compareUnsigned(n, XenconsInterfaceDescriptor.IN_SIZE) > 0) {
            broken = true;
            return new byte[0];
        }
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = page.get(OrderedAccess.BYTE, XenconsInterfaceDescriptor.IN_OFFSET
                    + ((cons + i) & (XenconsInterfaceDescriptor.IN_SIZE - 1)));
        }
        // mb(): the data reads complete before the space is handed back.
        OrderedAccess.fullFence();
        OrderedAccess.setIntRelease(page, XenconsInterfaceDescriptor.IN_CONS_OFFSET, prod);
        if (n > 0) {
            kernel.intr().notify(irq);
        }
        return out;
    }

    /**
     * Writes all of {@code data}, waiting for the backend to free {@code out[]} space when the
     * ring is full (hvc_xen's blocking console write). Each notification from the backend wakes
     * the writer.
     *
     * @return bytes written: all of them, or fewer if the console broke
     * @throws InterruptedException if interrupted while waiting for space
     */
    public int writeAll(byte[] data) throws InterruptedException {
        int done = 0;
        while (done < data.length && !broken) {
            int n;
            synchronized (space) {
                n = write(java.util.Arrays.copyOfRange(data, done, data.length));
                if (n == 0 && !broken) {
                    // the backend notifies when it has consumed; the bounded wait re-checks
                    // the ring in case that notification raced with this check
                    space.wait(50);
                }
            }
            done += n;
        }
        return done;
    }

    private void drainInput() {
        byte[] bytes = read();
        synchronized (space) {
            space.notifyAll();
        }
        if (bytes.length > 0) {
            input.accept(bytes);
        }
    }

    /** Unbinds the interrupt (the port stays: the toolstack owns it). */
    @Override
    public void close() {
        kernel.intr().unbind(irq);
    }
}

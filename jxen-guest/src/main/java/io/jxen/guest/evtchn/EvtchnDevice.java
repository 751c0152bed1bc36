package io.jxen.guest.evtchn;

import io.jxen.guest.GuestKernel;
import io.jxen.guest.XenException;
import io.jxen.guest.intr.EventChannelOps;
import io.jxen.guest.intr.IrqHandler;
import io.jxen.guest.intr.XenIntr;

import java.util.HashMap;
import java.util.Map;

/**
 * One open instance of the evtchn user device, with NetBSD's {@code xenevt} semantics
 * (sys/arch/xen/xen/xenevt.c; the same ioctl set as Linux's {@code /dev/xen/evtchn}):
 * {@link #bindVirq}, {@link #bindInterdomain}, {@link #bindUnboundPort}, {@link #unbind},
 * {@link #notify}, {@link #reset}. An event on a bound port masks it and appends the port to
 * this instance's ring; {@link #read} takes pending ports out, and {@link #write} unmasks the
 * ports it is given (the "unmask by write" of the device). When the ring is full further ports
 * are dropped and the instance is in overflow until {@link #reset}: reads then fail, as
 * {@code EFBIG} does in C.
 *
 * <p>Thread-safe; {@link #read} never blocks (check {@link #readable()} or wait for the event's
 * handler).
 */
public final class EvtchnDevice implements AutoCloseable {

    /** Ports the ring holds ({@code XENEVT_RING_SIZE}). */
    public static final int RING_SIZE = 2048;

    private final GuestKernel kernel;
    private final XenIntr intr;
    private final int[] ring;
    private int consumer;
    private int producer;
    private boolean overflow;
    /** port -> irq of the ports this instance bound. */
    private final Map<Integer, Integer> ports = new HashMap<>();
    private volatile Runnable onReadable = () -> { };

    /** Opens an instance on a booted kernel with a ring of {@link #RING_SIZE} ports. */
    public EvtchnDevice(GuestKernel kernel) {
        this(kernel, RING_SIZE);
    }

    /** Opens an instance whose ring holds {@code ringSize} ports. */
    public EvtchnDevice(GuestKernel kernel, int ringSize) {
        if (ringSize < 1) {
            throw new IllegalArgumentException("ring size must be positive");
        }
        this.kernel = kernel;
        this.intr = kernel.intr();
        this.ring = new int[ringSize];
    }

    /** Called (in the upcall) whenever a port is queued: a reader may wake up. */
    public void onReadable(Runnable callback) {
        this.onReadable = callback;
    }

    private IrqHandler handler(int[] portBox) {
        return IrqHandler.filter(() -> event(portBox[0]));
    }

    private void event(int port) {
        synchronized (this) {
            Integer irq = ports.get(port);
            if (irq == null) {
                return;
            }
            intr.mask(irq);
            if (producer - consumer >= ring.length) {
                overflow = true;
            } else {
                ring[producer % ring.length] = port;
                producer++;
            }
        }
        onReadable.run();
    }

    private synchronized int remember(int irq, int[] portBox) {
        int port = intr.port(irq);
        portBox[0] = port;
        ports.put(port, irq);
        return port;
    }

    /**
     * {@code IOCTL_EVTCHN_BIND_VIRQ} on vCPU 0.
     *
     * @return the local port
     * @throws XenException as Xen answers (e.g. {@code -EEXIST})
     */
    public int bindVirq(int virq) {
        int[] port = {-1};
        synchronized (this) {
            int irq = intr.bindVirq("evtchn:virq" + virq, virq, 0, handler(port));
            return remember(irq, port);
        }
    }

    /**
     * {@code IOCTL_EVTCHN_BIND_INTERDOMAIN}.
     *
     * @return the local port
     */
    public int bindInterdomain(int remoteDom, int remotePort) {
        int[] port = {-1};
        synchronized (this) {
            int irq = intr.bindInterdomain("evtchn:d" + remoteDom, remoteDom, remotePort, handler(port));
            return remember(irq, port);
        }
    }

    /**
     * {@code IOCTL_EVTCHN_BIND_UNBOUND_PORT}: a fresh port {@code remoteDom} may bind to.
     *
     * @return the local port
     */
    public int bindUnboundPort(int remoteDom) {
        int[] port = {-1};
        synchronized (this) {
            int irq = intr.allocAndBindLocalPort("evtchn:unbound", remoteDom, handler(port));
            return remember(irq, port);
        }
    }

    /**
     * {@code IOCTL_EVTCHN_UNBIND}: closes a port this instance bound.
     *
     * @throws IllegalArgumentException ({@code ENOTCONN}) if this instance did not bind it
     */
    public synchronized void unbind(int port) {
        Integer irq = ports.remove(port);
        if (irq == null) {
            throw new IllegalArgumentException("port " + port + " is not bound by this evtchn instance (ENOTCONN)");
        }
        intr.unbind(irq);
    }

    /**
     * {@code IOCTL_EVTCHN_NOTIFY}: sends on a port this instance bound.
     *
     * @throws IllegalArgumentException ({@code ENOTCONN}) if this instance did not bind it
     */
    public void notify(int port) {
        synchronized (this) {
            if (!ports.containsKey(port)) {
                throw new IllegalArgumentException("port " + port + " is not bound by this evtchn instance (ENOTCONN)");
            }
        }
        long rc = EventChannelOps.send(kernel.vcpu(0), port);
        if (rc < 0) {
            throw new XenException("EVTCHNOP_send(port " + port + ")", rc);
        }
    }

    /** {@code IOCTL_EVTCHN_RESET}: empties the ring and clears the overflow condition. */
    public synchronized void reset() {
        consumer = 0;
        producer = 0;
        overflow = false;
    }

    /** Whether {@link #read} would return ports (or fail with the overflow). */
    public synchronized boolean readable() {
        return producer != consumer || overflow;
    }

    /** Whether ports were dropped because the ring was full. */
    public synchronized boolean overflowed() {
        return overflow;
    }

    /**
     * {@code read(2)}: moves up to {@code into.length} pending ports out of the ring, oldest first.
     *
     * @return ports read; 0 when none are pending (EAGAIN)
     * @throws IllegalStateException ({@code EFBIG}) after an overflow, until {@link #reset}
     */
    public synchronized int read(int[] into) {
        if (overflow) {
            throw new IllegalStateException("evtchn ring overflowed (EFBIG): reset the instance");
        }
        int n = Math.min(into.length, producer - consumer);
        for (int i = 0; i < n; i++) {
            into[i] = ring[consumer % ring.length];
            consumer++;
        }
        return n;
    }

    /**
     * {@code write(2)}: unmasks each given port this instance bound (others are ignored, as in
     * C), so its next event is delivered.
     *
     * @return ports written
     */
    public int write(int... portsToUnmask) {
        for (int port : portsToUnmask) {
            Integer irq;
            synchronized (this) {
                irq = ports.get(port);
            }
            if (irq != null) {
                intr.unmask(irq);
            }
        }
        return portsToUnmask.length;
    }

    /** Ports bound by this instance. */
    public synchronized java.util.Set<Integer> boundPorts() {
        return java.util.Set.copyOf(ports.keySet());
    }

    /** Closing the device unbinds every port it bound. */
    @Override
    public synchronized void close() {
        for (int irq : ports.values()) {
            intr.unbind(irq);
        }
        ports.clear();
    }
}

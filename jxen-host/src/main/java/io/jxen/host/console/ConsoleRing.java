package io.jxen.host.console;

import io.jxen.abi.OrderedAccess;
import io.jxen.abi.console.XenconsInterfaceDescriptor;
import io.jxen.guest.GuestKernel;
import io.jxen.guest.gnttab.GrantTableClient;
import io.jxen.guest.intr.IrqHandler;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One guest's primary console as dom0 serves it: the backend half of io/console.h's
 * {@code struct xencons_interface}. The backend consumes {@code out[]} (2048 bytes) and
 * produces {@code in[]} (1024 bytes).
 *
 * <p>The guest owns {@code out_prod} and {@code in_cons} and may write anything there. The
 * backend keeps its own indexes ({@code out_cons}, {@code in_prod}) privately and only publishes
 * them, reads each guest index once per pass, and stops the console (no further I/O, the guest
 * and dom0 unaffected) when the guest's index is further from ours than the ring is long, as
 * xenconsoled's {@code buffer_append} does.
 *
 * <p>Bounds: output goes into a history of {@link #HISTORY_BYTES} (older bytes drop off; a client
 * attaching later sees this much) and into each attached client's queue of
 * {@link #CLIENT_QUEUE_CHUNKS} chunks (a client that does not read loses output, counted, and
 * never stalls the ring or dom0). Input waits in at most {@link #PENDING_INPUT_BYTES} until the
 * guest frees {@code in[]} space; more is refused.
 */
public final class ConsoleRing implements AutoCloseable {

    /** Output history kept for clients that attach later (xenconsoled keeps a buffer too). */
    public static final int HISTORY_BYTES = 64 * 1024;
    /** Output chunks queued per client before its oldest are dropped. */
    public static final int CLIENT_QUEUE_CHUNKS = 1024;
    /** Input bytes waiting for ring space. */
    public static final int PENDING_INPUT_BYTES = 4096;

    private static final byte[] EOF = new byte[0];

    private final GuestKernel dom0;
    private final int domid;
    private final MemorySegment page;
    private final GrantTableClient.DeviceMapping mapping;
    private final int irq;
    private final byte[] history = new byte[HISTORY_BYTES];
    private long historyBytes;
    private final byte[] pendingInput = new byte[PENDING_INPUT_BYTES];
    private int pendingInputBytes;
    private int outCons;
    private int inProd;
    private boolean broken;
    private boolean closed;
    private final List<Client> clients = new CopyOnWriteArrayList<>();

    ConsoleRing(GuestKernel dom0, int domid, int remotePort, MemorySegment page, GrantTableClient.DeviceMapping mapping) {
        this.dom0 = dom0;
        this.domid = domid;
        this.page = page;
        this.mapping = mapping;
        // Start from where the guest's ring is now (a reattached backend does not replay).
        this.outCons = OrderedAccess.getIntAcquire(page, XenconsInterfaceDescriptor.OUT_CONS_OFFSET);
        this.inProd = OrderedAccess.getIntAcquire(page, XenconsInterfaceDescriptor.IN_PROD_OFFSET);
        this.irq = dom0.intr().bindInterdomain("xencons.d" + domid, domid, remotePort, IrqHandler.edgeThread(this::service));
        service(); // output the guest wrote before we attached
    }

    /** The guest. */
    public int domid() {
        return domid;
    }

    /** dom0's port bound to the guest's console port. */
    public int localPort() {
        return dom0.intr().port(irq);
    }

    GrantTableClient.DeviceMapping mapping() {
        return mapping;
    }

    /** Whether the guest's indexes were impossible (the console stopped). */
    public synchronized boolean broken() {
        return broken;
    }

    /** Bytes of output received so far. */
    public synchronized long outputBytes() {
        return historyBytes;
    }

    /** The last {@link #HISTORY_BYTES} of output at most. */
    public synchronized byte[] history() {
        int n = (int) Math.min(historyBytes, HISTORY_BYTES);
        byte[] out = new byte[n];
        int start = (int) ((historyBytes - n) % HISTORY_BYTES);
        for (int i = 0; i < n; i++) {
            out[i] = history[(start + i) % HISTORY_BYTES];
        }
        return out;
    }

    /**
     * Attaches a client: it receives the history, then every later output chunk.
     *
     * @return the client, to read from and to close
     */
    public synchronized Client attach() {
        Client c = new Client(history());
        if (closed) {
            c.queue.offer(EOF);
        } else {
            clients.add(c);
        }
        return c;
    }

    /**
     * Queues input for the guest and writes what fits into {@code in[]}.
     *
     * @return bytes accepted (fewer than given when {@link #PENDING_INPUT_BYTES} are waiting; 0 if
     *         the console is broken or closed)
     */
    public int input(byte[] data) {
        int accepted;
        synchronized (this) {
            if (broken || closed) {
                return 0;
            }
            accepted = Math.min(data.length, PENDING_INPUT_BYTES - pendingInputBytes);
            System.arraycopy(data, 0, pendingInput, pendingInputBytes, accepted);
            pendingInputBytes += accepted;
        }
        service();
        return accepted;
    }

    /** Moves output out of {@code out[]} and pending input into {@code in[]}; notifies if anything moved. */
    private void service() {
        boolean notify;
        synchronized (this) {
            if (broken || closed) {
                return;
            }
            byte[] chunk = drainOutput();
            notify = chunk.length > 0;
            // Under the lock, so close() cannot end a client's stream between our taking this
            // chunk from the ring and queueing it (the chunk would come after the end: lost).
            if (chunk.length > 0) {
                for (Client c : clients) {
                    c.offer(chunk);
                }
            }
            if (!broken) {
                notify |= fillInput();
            }
        }
        if (notify) {
            dom0.intr().notify(irq);
        }
    }

    private byte[] drainOutput() {
        int prod = OrderedAccess.getIntAcquire(page, XenconsInterfaceDescriptor.OUT_PROD_OFFSET);
        int n = prod - outCons;
        if (Integer.compareUnsigned(n, XenconsInterfaceDescriptor.OUT_SIZE) > 0) {
            broken = true;
            return EOF;
        }
        byte[] chunk = new byte[n];
        for (int i = 0; i < n; i++) {
            chunk[i] = page.get(OrderedAccess.BYTE, XenconsInterfaceDescriptor.OUT_OFFSET
                    + ((outCons + i) & (XenconsInterfaceDescriptor.OUT_SIZE - 1)));
        }
        if (n > 0) {
            // mb(): the bytes are read before the space is handed back.
            OrderedAccess.fullFence();
            outCons = prod;
            OrderedAccess.setIntRelease(page, XenconsInterfaceDescriptor.OUT_CONS_OFFSET, outCons);
            for (byte b : chunk) {
                history[(int) (historyBytes++ % HISTORY_BYTES)] = b;
            }
        }
        return chunk;
    }

    private boolean fillInput() {
        if (pendingInputBytes == 0) {
            return false;
        }
        int cons = OrderedAccess.getIntAcquire(page, XenconsInterfaceDescriptor.IN_CONS_OFFSET);
        int used = inProd - cons;
        if (Integer.compareUnsigned(used, XenconsInterfaceDescriptor.IN_SIZE) > 0) {
            broken = true;
            return false;
        }
        // mb(): the consumer index is read before the space it freed is overwritten.
        OrderedAccess.fullFence();
        int n = Math.min(pendingInputBytes, XenconsInterfaceDescriptor.IN_SIZE - used);
        for (int i = 0; i < n; i++) {
            page.set(OrderedAccess.BYTE, XenconsInterfaceDescriptor.IN_OFFSET
                    + ((inProd + i) & (XenconsInterfaceDescriptor.IN_SIZE - 1)), pendingInput[i]);
        }
        System.arraycopy(pendingInput, n, pendingInput, 0, pendingInputBytes - n);
        pendingInputBytes -= n;
        inProd += n;
        // wmb(): the bytes before the producer index.
        OrderedAccess.setIntRelease(page, XenconsInterfaceDescriptor.IN_PROD_OFFSET, inProd);
        return n > 0;
    }

    /**
     * Takes what the guest left in {@code out[]}, unbinds dom0's port (closing it) and ends
     * every client's stream. The last look matters: a guest's last words (a {@code poweroff}
     * line) may be in the ring with their event not yet serviced when the domain is released,
     * and the page is still mapped here (the backend unmaps it after). C xenconsoled too reads
     * a dying domain's ring once more before it lets it go.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            byte[] last = broken ? EOF : drainOutput();
            closed = true; // service() queues nothing from now on
            if (last.length > 0) {
                for (Client c : clients) {
                    c.offer(last);
                }
            }
        }
        try {
            dom0.intr().unbind(irq);
        } catch (RuntimeException e) {
            System.getLogger("xenconsoled").log(System.Logger.Level.WARNING,
                    "d" + domid + ": console unbind: " + e.getMessage());
        }
        // Streams end once the port is closed: a client that saw its end finds the console gone.
        for (Client c : clients) {
            c.end();
        }
        clients.clear();
    }

    /** An attached client's view: the history, then output chunks until the console goes. */
    public final class Client implements AutoCloseable {
        private final byte[] history;
        private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(CLIENT_QUEUE_CHUNKS + 1);
        private long dropped;

        private Client(byte[] history) {
            this.history = history;
        }

        /** Output from before the client attached (at most {@link #HISTORY_BYTES}). */
        public byte[] history() {
            return history;
        }

        private synchronized void offer(byte[] chunk) {
            if (queue.size() >= CLIENT_QUEUE_CHUNKS) {
                dropped += queue.poll().length; // a client that does not read loses its oldest output
            }
            queue.offer(chunk);
        }

        /**
         * Ends the stream after the output still queued: the reader gets it, then the end. (It
         * used to clear the queue first, so the guest's last lines, e.g. its poweroff message,
         * were lost whenever the reader had not taken them yet.) There is always room for the
         * end: {@link #offer} keeps at most {@code CLIENT_QUEUE_CHUNKS} in a queue one longer.
         */
        private synchronized void end() {
            queue.offer(EOF);
        }

        /**
         * The next output chunk.
         *
         * @return the bytes, or null once the console is gone
         */
        public byte[] take() throws InterruptedException {
            byte[] b = queue.take();
            if (b == EOF) {
                queue.offer(EOF);
                return null;
            }
            return b;
        }

        /**
         * The next output chunk, waiting at most {@code millis}.
         *
         * @return the bytes, an empty array if none came, or null once the console is gone
         */
        public byte[] poll(long millis) throws InterruptedException {
            byte[] b = queue.poll(millis, TimeUnit.MILLISECONDS);
            if (b == null) {
                return new byte[0];
            }
            if (b == EOF) {
                queue.offer(EOF);
                return null;
            }
            return b;
        }

        /** Output bytes this client lost because it did not read. */
        public synchronized long dropped() {
            return dropped;
        }

        /** Sends input to the guest (see {@link ConsoleRing#input}). */
        public int input(byte[] data) {
            return ConsoleRing.this.input(data);
        }

        /** Detaches. */
        @Override
        public void close() {
            clients.remove(this);
        }
    }
}

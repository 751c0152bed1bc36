package io.jxen.hypercall.transport;

import io.jxen.abi.XenErrno;
import io.jxen.hypercall.Hypercalls;
import io.jxen.runtime.UnixStream;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@link Hypercalls} of one vCPU of a domain running in this JVM while its hypervisor runs in
 * another: each call is a CALL frame on the vCPU's own connection, answered by a RESULT frame
 * ({@link HypercallWire}). A call blocks while the hypervisor blocks it (SCHEDOP_block, poll).
 * If the hypervisor goes away the call answers {@code -ESRCH}, as for a dead domain.
 *
 * <p>A thread's interrupt flag is not a CPU's business: the connection is a {@link UnixStream},
 * whose reads and writes ignore interrupts, so a thread interrupted before or during a call
 * gets the call's result and keeps its flag, and the vCPU's later calls still reach the
 * hypervisor. (A socket channel closes itself when an interrupted thread does I/O on it: a bus
 * giving up on a hung hook, or an executor shut down, would have killed the domain's vCPU.)
 */
public final class SocketHypercalls implements Hypercalls, AutoCloseable {

    private final UnixStream stream;
    private final ByteBuffer call = HypercallWire.buffer(HypercallWire.CALL_SIZE);
    private final ByteBuffer result = HypercallWire.buffer(HypercallWire.RESULT_SIZE);
    private boolean closed; // guarded by this

    /** Binds an open connection (HELLO already read) to {@code vcpu}. */
    SocketHypercalls(UnixStream stream, int vcpu) throws IOException {
        this.stream = stream;
        ByteBuffer bind = HypercallWire.buffer(HypercallWire.BIND_SIZE);
        bind.putInt(vcpu).putInt(0).flip();
        try {
            stream.writeFully(bind);
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    @Override
    public synchronized long hypercall(int number, long a1, long a2, long a3, long a4, long a5) {
        if (closed) {
            return -XenErrno.ESRCH;
        }
        try {
            call.clear();
            call.putInt(number).putInt(0).putLong(a1).putLong(a2).putLong(a3).putLong(a4).putLong(a5).flip();
            stream.writeFully(call);
            result.clear();
            stream.readFully(result);
            return result.getLong();
        } catch (IOException e) {
            return -XenErrno.ESRCH;
        }
    }

    /**
     * Ends the connection: a call blocked in the hypervisor (SCHEDOP_poll) returns
     * {@code -ESRCH} at once, and so does every later call.
     */
    @Override
    public void close() {
        stream.shutdown(); // first, without the lock: it ends a call that holds it
        synchronized (this) {
            closed = true;
            stream.close();
        }
    }
}

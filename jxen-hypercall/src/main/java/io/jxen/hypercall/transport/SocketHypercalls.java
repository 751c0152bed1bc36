package io.jxen.hypercall.transport;

import io.jxen.abi.XenErrno;
import io.jxen.hypercall.Hypercalls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * {@link Hypercalls} of one vCPU of a domain running in this JVM while its hypervisor runs in
 * another: each call is a CALL frame on the vCPU's own connection, answered by a RESULT frame
 * ({@link HypercallWire}). A call blocks while the hypervisor blocks it (SCHEDOP_block, poll).
 * If the hypervisor goes away the call answers {@code -ESRCH}, as for a dead domain.
 *
 * <p>A thread's interrupt flag is not a CPU's business: a call from a thread whose flag is set
 * is made with the flag cleared and set again afterwards, because a socket channel closes itself
 * when an interrupted thread does I/O on it, and every later call of this vCPU would then answer
 * {@code -ESRCH} (a bus giving up on a hung hook, or an executor shut down, would have killed the
 * domain's vCPU). An interrupt that lands during a call still closes the channel.
 */
public final class SocketHypercalls implements Hypercalls, AutoCloseable {

    private final SocketChannel channel;
    private final ByteBuffer call = HypercallWire.buffer(HypercallWire.CALL_SIZE);
    private final ByteBuffer result = HypercallWire.buffer(HypercallWire.RESULT_SIZE);

    /** Binds an open connection (HELLO already read) to {@code vcpu}. */
    SocketHypercalls(SocketChannel channel, int vcpu) throws IOException {
        this.channel = channel;
        ByteBuffer bind = HypercallWire.buffer(HypercallWire.BIND_SIZE);
        bind.putInt(vcpu).putInt(0).flip();
        boolean interrupted = Thread.interrupted();
        try {
            HypercallWire.writeFully(channel, bind);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public synchronized long hypercall(int number, long a1, long a2, long a3, long a4, long a5) {
        boolean interrupted = Thread.interrupted();
        try {
            call.clear();
            call.putInt(number).putInt(0).putLong(a1).putLong(a2).putLong(a3).putLong(a4).putLong(a5).flip();
            HypercallWire.writeFully(channel, call);
            result.clear();
            HypercallWire.readFully(channel, result);
            return result.getLong();
        } catch (IOException e) {
            return -XenErrno.ESRCH;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

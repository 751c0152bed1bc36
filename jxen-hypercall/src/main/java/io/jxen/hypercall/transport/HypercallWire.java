package io.jxen.hypercall.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/**
 * The wire format of hypercalls for a domain in another JVM, over a Unix-domain stream
 * socket. Memory is not on the wire: both sides map the same machine-memory file, so a
 * hypercall carries only its number and register arguments, exactly what a real guest
 * puts in registers. All integers little-endian, all frames fixed-size.
 *
 * <pre>
 *  server -> client, once per connection (HELLO, 56 bytes + path)
 *   0 magic 'JXHC' | 4 version | 6 domid | 8 vcpus | 12 pathBytes
 *  16 p2mFirstMfn  | 24 gfnLimit | 32 startInfoGpa | 40 machineFrames | 48 doorbellMfn
 *     (doorbell page: one futex {@code Doorbell} per vCPU at 8 * vcpu, rung with each upcall)
 *  56 memory-file path, UTF-8, pathBytes long (at most {@link #MAX_PATH_BYTES})
 *
 *  client -> server, once (BIND, 8 bytes):   0 vcpu (u32) | 4 reserved
 *  client -> server, per call (CALL, 48):    0 number (u32) | 4 reserved | 8 a1 .. 40 a5 (u64)
 *  server -> client, per call (RESULT, 8):   0 result (i64: value or negative Xen errno)
 * </pre>
 *
 * <p>A CALL whose number has the top bit set is not a hypercall but one of the vCPU's other
 * instructions ({@link io.jxen.hypercall.GuestCpu}), trapped to the hypervisor as a VM exit
 * would be: {@link #TRAP_RDTSC}, {@link #TRAP_CPUID_AB}/{@link #TRAP_CPUID_CD} (a1 leaf, a2
 * sub-leaf; the result packs two registers, the first in the low half), {@link #TRAP_IN}
 * (port, size), {@link #TRAP_OUT} (port, size, value), {@link #TRAP_MMIO_READ} (gpa, size),
 * {@link #TRAP_MMIO_WRITE} (gpa, size, value) and {@link #TRAP_INTACK}. Hypercall numbers stop
 * at 63, so the two never meet.
 *
 * <p>The server binds a connection to the domain whose socket it came in on: the caller's
 * identity is the socket, never a field the guest writes. A malformed frame closes the
 * connection.
 */
public final class HypercallWire {

    /** {@code "JXHC"} read as a little-endian u32. */
    public static final int MAGIC = 0x4348584A;
    /** Protocol version. */
    public static final short VERSION = 2;
    /** Bytes of the fixed part of HELLO. */
    public static final int HELLO_SIZE = 56;
    /** Longest memory-file path accepted. */
    public static final int MAX_PATH_BYTES = 4096;
    /** Bytes of BIND. */
    public static final int BIND_SIZE = 8;
    /** Bytes of CALL. */
    public static final int CALL_SIZE = 48;
    /** Bytes of RESULT. */
    public static final int RESULT_SIZE = 8;

    /** Top bit of a CALL number: an instruction trap, not a hypercall. */
    public static final int TRAP = 0x8000_0000;
    /** {@code rdtsc}. */
    public static final int TRAP_RDTSC = TRAP | 1;
    /** {@code cpuid}, eax and ebx. */
    public static final int TRAP_CPUID_AB = TRAP | 2;
    /** {@code cpuid}, ecx and edx. */
    public static final int TRAP_CPUID_CD = TRAP | 3;
    /** {@code in}. */
    public static final int TRAP_IN = TRAP | 4;
    /** {@code out}. */
    public static final int TRAP_OUT = TRAP | 5;
    /** An MMIO load. */
    public static final int TRAP_MMIO_READ = TRAP | 6;
    /** An MMIO store. */
    public static final int TRAP_MMIO_WRITE = TRAP | 7;
    /** Interrupt acknowledge. */
    public static final int TRAP_INTACK = TRAP | 8;

    /** Two 32-bit registers in one RESULT, the first in the low half. */
    public static long pack(int low, int high) {
        return Integer.toUnsignedLong(low) | (long) high << 32;
    }

    /**
     * Runs one trap on {@code cpu}: what the hypervisor end of the wire does with a CALL whose
     * number has {@link #TRAP} set.
     *
     * @return the RESULT value; {@code -ENOSYS} for an unknown trap
     */
    public static long trap(io.jxen.hypercall.GuestCpu cpu, int number, long a1, long a2, long a3) {
        return switch (number) {
            case TRAP_RDTSC -> cpu.rdtsc();
            case TRAP_CPUID_AB -> {
                int[] r = cpu.cpuid((int) a1, (int) a2);
                yield pack(r[0], r[1]);
            }
            case TRAP_CPUID_CD -> {
                int[] r = cpu.cpuid((int) a1, (int) a2);
                yield pack(r[2], r[3]);
            }
            case TRAP_IN -> Integer.toUnsignedLong(cpu.in((int) a1, (int) a2));
            case TRAP_OUT -> {
                cpu.out((int) a1, (int) a2, (int) a3);
                yield 0;
            }
            case TRAP_MMIO_READ -> cpu.mmioRead(a1, (int) a2);
            case TRAP_MMIO_WRITE -> {
                cpu.mmioWrite(a1, (int) a2, a3);
                yield 0;
            }
            case TRAP_INTACK -> cpu.acknowledgeInterrupt();
            default -> -io.jxen.abi.XenErrno.ENOSYS;
        };
    }

    private HypercallWire() {
    }

    /** A little-endian buffer of {@code size} bytes. */
    public static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads exactly {@code buffer.remaining()} bytes, then flips the buffer for reading. */
    public static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("hypercall connection closed");
            }
        }
        buffer.flip();
    }

    /** Writes the whole (flipped) buffer. */
    public static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}

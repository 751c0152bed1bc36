package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.evtchn.EvtchnBindInterdomainDescriptor;
import io.jxen.abi.evtchn.EvtchnOp;
import io.jxen.abi.sched.SchedOp;
import io.jxen.abi.sched.ShutdownReason;
import io.jxen.abi.xen.SharedInfoDescriptor;
import io.jxen.abi.xen.StartInfoDescriptor;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;
import io.jxen.hypercall.transport.RemoteGuestPlatform;

import java.nio.file.Path;

/**
 * A guest that runs in its own JVM for {@link SocketTransportTest}: it knows only its socket and
 * dom0's port, and uses nothing but hypercalls and its memory. Exit code 0 means every step
 * answered as expected.
 */
public final class RemoteGuestMain {

    /** What the guest writes into its page 5 for the host to see through the shared file. */
    static final long MARK = 0x6A78656E6A78656EL;

    private RemoteGuestMain() {
    }

    /** {@code args}: socket path, dom0's unbound port. */
    public static void main(String[] args) throws Exception {
        try (RemoteGuestPlatform platform = RemoteGuestPlatform.connect(Path.of(args[0]))) {
            Hypercalls hc = platform.hypercalls(0);
            GuestPhysicalMemory mem = platform.memory();
            long arg = 0x1000;
            mem.putShort(arg + EvtchnBindInterdomainDescriptor.REMOTE_DOM_OFFSET, (short) 0);
            mem.putInt(arg + EvtchnBindInterdomainDescriptor.REMOTE_PORT_OFFSET, Integer.parseInt(args[1]));
            check(hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.BIND_INTERDOMAIN, arg), "bind_interdomain");
            int port = mem.getInt(arg + EvtchnBindInterdomainDescriptor.LOCAL_PORT_OFFSET);
            long shared = mem.getLong(platform.startInfoGpa() + StartInfoDescriptor.SHARED_INFO_OFFSET);
            long pendingWord = shared + SharedInfoDescriptor.EVTCHN_PENDING_OFFSET + (port / 64) * 8L;
            mem.putLong(pendingWord, mem.getLong(pendingWord) & ~(1L << (port % 64))); // bind marked it pending
            ackUpcall(mem, shared);
            mem.putInt(arg + 64, port);
            check(hc.hypercall(Hypercall.EVENT_CHANNEL_OP, EvtchnOp.SEND, arg + 64), "send");
            // idle outside any hypercall: sleep on the vCPU's doorbell (a futex across the JVMs)
            var bell = platform.doorbell(0);
            int seen = bell.rings();
            while ((mem.getLong(pendingWord) & (1L << (port % 64))) == 0) {
                seen = bell.await(seen, -1);
                ackUpcall(mem, shared);
            }
            mem.putLong(5L << 12, MARK);
            mem.putInt(arg, ShutdownReason.POWEROFF);
            check(hc.hypercall(Hypercall.SCHED_OP, SchedOp.SHUTDOWN, arg), "shutdown");
        }
        System.exit(0);
    }

    /** vCPU 0's upcall handler prologue: clear evtchn_upcall_pending, then the selector. */
    private static void ackUpcall(GuestPhysicalMemory mem, long sharedInfo) {
        mem.putByte(sharedInfo, (byte) 0);
        mem.putLong(sharedInfo + 8, 0);
    }

    private static void check(long rc, String what) {
        if (rc < 0) {
            System.err.println(what + " failed: " + rc);
            System.exit(1);
        }
    }
}

package io.jxen.bench.hv;

import io.jxen.hypercall.transport.RemoteGuestPlatform;
import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;
import io.jxen.memory.futex.Futex;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The far side of {@link EvtchnBench} in a second JVM. {@code echo SOCKET DOM PORT N}: a guest
 * behind the socket transport binds to {@code DOM}'s unbound {@code PORT}, sends once to say it
 * is ready, then N times sleeps on its vCPU's doorbell until the port is pending (handler entry)
 * and sends back. {@code floor FILE N}: the bare futex ping-pong echo on a shared memory file.
 */
public final class EvtchnPeer {

    /** Offsets of the floor's ping and pong words in frame 0 of the memory file. */
    static final long PING = 0;
    static final long PONG = 64;

    private EvtchnPeer() {
    }

    /** See the class comment for {@code args}. */
    public static void main(String[] args) throws Exception {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        long deadline = System.nanoTime() + 300_000_000_000L;
        if (args[0].equals("echo")) {
            try (RemoteGuestPlatform platform = RemoteGuestPlatform.connect(Path.of(args[1]))) {
                BenchGuest g = new BenchGuest(platform);
                int port = g.bindInterdomain(Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                long n = Long.parseLong(args[4]);
                g.prepareSend(BenchGuest.ARG + 64, port);
                g.send(BenchGuest.ARG + 64);
                for (long i = 0; i < n && parent.isAlive(); i++) {
                    g.awaitEvent(port, false, deadline);
                    g.send(BenchGuest.ARG + 64);
                }
            }
        } else {
            try (MachineMemory memory = MachineMemory.open(Path.of(args[1]))) {
                floorEcho(memory.frame(0), Long.parseLong(args[2]), parent);
            }
        }
        System.exit(0);
    }

    /** Echoes each ping value into pong, {@code n} times (plus the ready handshake, ping 0 -> -1). */
    static void floorEcho(MemorySegment control, long n, ProcessHandle parent) {
        OrderedAccess.setIntRelease(control, PONG, -1);
        Futex.wake(control, PONG, 1);
        int last = 0;
        for (long i = 0; i < n && (parent == null || parent.isAlive()); ) {
            int ping = OrderedAccess.getIntAcquire(control, PING);
            if (ping == last) {
                Futex.await(control, PING, last, 200_000_000L);
                continue;
            }
            last = ping;
            OrderedAccess.setIntRelease(control, PONG, ping);
            Futex.wake(control, PONG, 1);
            i++;
        }
    }
}

// A measurement kept for reference (docs/BENCHMARKS.md, "xenstore: busy polling gated on a
// spare core"): the CPU time of xenstored's loop thread per request, split into user and
// kernel time, with CLIENTS socket clients each keeping DEPTH requests in flight.
// DEPTH 1 is xsbench's pattern (one request, wait for the reply); a larger DEPTH amortises
// the syscalls and wake-ups over many requests and leaves mostly the Java work per request.
// Run (TYPE 2 = XS_READ, 1 = XS_DIRECTORY):
//   java -Djxen.spareCore=never -cp benchmarks/target/benchmarks.jar \
//        benchmarks/scripts/XenstoredLoopCpu.java TYPE CLIENTS DEPTH N
import io.jxen.xenstore.server.XenstoredServer;

import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

public class XenstoredLoopCpu {

    static byte[] msg(int type, int id, String... args) {
        int len = 0;
        for (String a : args) {
            len += a.length() + 1;
        }
        ByteBuffer b = ByteBuffer.allocate(16 + len).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(id).putInt(0).putInt(len);
        for (String a : args) {
            b.put(a.getBytes()).put((byte) 0);
        }
        return b.array();
    }

    /** utime and stime (clock ticks) of a thread, from /proc/self/task/TID/stat. */
    static long[] times(Path stat) throws Exception {
        String s = Files.readString(stat);
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    public static void main(String[] a) throws Exception {
        int type = Integer.parseInt(a[0]);
        int clients = Integer.parseInt(a[1]);
        int depth = Integer.parseInt(a[2]);
        int n = Integer.parseInt(a[3]);
        Path sock = Files.createTempDirectory("loopcpu").resolve("socket");
        try (XenstoredServer s = XenstoredServer.start(sock)) {
            try (SocketChannel setup = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                setup.connect(UnixDomainSocketAddress.of(sock));
                ByteBuffer rb = ByteBuffer.allocate(1 << 16);
                for (int i = 0; i < 100; i++) {
                    setup.write(ByteBuffer.wrap(msg(11, i, "/bench/d" + (i % 10) + "/k" + i, "v" + i)));
                    rb.clear();
                    setup.read(rb);
                }
            }
            Thread loop = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("xenstored-loop")).findFirst().orElseThrow();
            Path stat = null;
            try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path t : tasks) {
                    if (Files.readString(t.resolve("comm")).trim().equals("xenstored-loop")) {
                        stat = t.resolve("stat");
                    }
                }
            }
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            for (int rep = 0; rep < 6; rep++) {   // the first rounds warm the JIT up
                long[] t0 = times(stat);
                long c0 = mx.getThreadCpuTime(loop.threadId());
                long w0 = System.nanoTime();
                Thread[] ts = new Thread[clients];
                for (int k = 0; k < clients; k++) {
                    ts[k] = Thread.ofPlatform().start(() -> client(sock, type, depth, n));
                }
                for (Thread t : ts) {
                    t.join();
                }
                long c1 = mx.getThreadCpuTime(loop.threadId());
                long w1 = System.nanoTime();
                long[] t1 = times(stat);
                long user = t1[0] - t0[0];
                long sys = t1[1] - t0[1];
                System.out.printf("type=%d clients=%d depth=%d n=%d loop_cpu_ns_per_request=%.0f kernel_share=%.2f"
                                + " ops_s=%.0f%n", type, clients, depth, n, (c1 - c0) / (double) (clients * (long) n),
                        sys / (double) Math.max(1, user + sys), clients * (double) n / ((w1 - w0) / 1e9));
            }
        }
    }

    static void client(Path sock, int type, int depth, int n) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            byte[][] reqs = new byte[100][];
            for (int i = 0; i < 100; i++) {
                reqs[i] = type == 2 ? msg(2, i, "/bench/d" + (i % 10) + "/k" + i) : msg(1, i, "/bench/d" + (i % 10));
            }
            ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
            ByteBuffer out = ByteBuffer.allocateDirect(1 << 16);
            ByteBuffer acc = ByteBuffer.allocate(1 << 17).order(ByteOrder.LITTLE_ENDIAN);
            int sent = 0;
            int got = 0;
            while (got < n) {
                out.clear();
                while (sent < n && sent - got < depth) {
                    out.put(reqs[sent++ % 100]);
                }
                out.flip();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                in.clear();
                ch.read(in);
                acc.put(in.flip()).flip();
                while (acc.remaining() >= 16 && acc.remaining() >= 16 + acc.getInt(acc.position() + 12)) {
                    acc.position(acc.position() + 16 + acc.getInt(acc.position() + 12));
                    got++;
                }
                acc.compact();
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}

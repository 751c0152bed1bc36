// A throwaway measurement kept for reference: the cost of Selector.selectNow() against a raw
// epoll_wait(0) through FFM. Run: java --enable-native-access=ALL-UNNAMED SelCost.java
import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.*;
import java.nio.file.*;

/** Cost of one Selector.selectNow() (nothing ready / one ready) vs a raw epoll_wait(0) via FFM. */
public class SelCost {
    public static void main(String[] a) throws Throwable {
        Path p = Files.createTempDirectory("sel").resolve("s");
        ServerSocketChannel srv = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        srv.bind(UnixDomainSocketAddress.of(p));
        SocketChannel cl = SocketChannel.open(UnixDomainSocketAddress.of(p));
        SocketChannel sv = srv.accept();
        sv.configureBlocking(false);
        Selector sel = Selector.open();
        SelectionKey key = sv.register(sel, SelectionKey.OP_READ);
        int n = 2_000_000;
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) sel.selectNow();
            long t1 = System.nanoTime();
            System.out.printf("selectNow, nothing ready: %.0f ns%n", (t1 - t0) / (double) n);
        }
        // one ready: write a byte, selectNow + clear set + read it back
        ByteBuffer one = ByteBuffer.allocateDirect(1), in = ByteBuffer.allocateDirect(64);
        int m = 300_000;
        for (int round = 0; round < 3; round++) {
            long sel0 = 0, t0 = System.nanoTime();
            for (int i = 0; i < m; i++) {
                one.clear(); cl.write(one);
                long s0 = System.nanoTime();
                sel.selectNow();
                sel.selectedKeys().clear();
                sel0 += System.nanoTime() - s0;
                in.clear(); sv.read(in);
            }
            System.out.printf("selectNow with one ready (incl. key set): %.0f ns; write+select+read %.0f ns%n", sel0 / (double) m, (System.nanoTime() - t0) / (double) m);
        }
        Linker l = Linker.nativeLinker();
        SymbolLookup libc = l.defaultLookup();
        MethodHandle create = l.downcallHandle(libc.find("epoll_create1").get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle wait = l.downcallHandle(libc.find("epoll_wait").get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.critical(false));
        int ep = (int) create.invokeExact(0);
        try (Arena ar = Arena.ofConfined()) {
            MemorySegment ev = ar.allocate(12 * 16);
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) { int r = (int) wait.invokeExact(ep, ev, 16, 0); }
                System.out.printf("raw epoll_wait(0) via FFM, empty set: %.0f ns%n", (System.nanoTime() - t0) / (double) n);
            }
        }
    }
}

package io.jxen.hv.hypercall;

import io.jxen.abi.XenErrno;
import io.jxen.abi.xen.ConsoleIo;
import io.jxen.hv.domain.Vcpu;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * {@code __HYPERVISOR_console_io} (xen/drivers/char/console.c {@code do_console_io}): the
 * hypervisor's emergency console. As in a release build of Xen with the dummy XSM policy, only
 * the privileged domain may use it ({@code -EPERM} otherwise). Writes go to a sink; reads find
 * nothing (jxen has no serial input).
 */
public final class ConsoleIoOps {

    /** Largest write accepted in one call (Xen copies in chunks and continues; jxen bounds it). */
    public static final int MAX_WRITE = 1 << 16;

    private final Consumer<String> sink;

    /** @param sink receives each write, decoded as UTF-8 */
    public ConsoleIoOps(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Dispatches {@code CONSOLEIO cmd} ({@code (int cmd, unsigned int count, buffer)}). */
    public long hypercall(Vcpu caller, long cmd, long count, long buffer) {
        if (!caller.domain().privileged()) {
            return -XenErrno.EPERM; // xsm_console_io: XSM_PRIV
        }
        int n = (int) count;
        return switch ((int) cmd) {
            case ConsoleIo.WRITE -> {
                if (Integer.toUnsignedLong(n) > MAX_WRITE) {
                    yield -XenErrno.EINVAL;
                }
                byte[] bytes = caller.domain().guest().copyIn(buffer, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                sink.accept(new String(bytes, StandardCharsets.UTF_8));
                yield 0;
            }
            case ConsoleIo.READ -> 0;
            default -> -XenErrno.ENOSYS;
        };
    }
}

package io.jxen.abi.xen;

import io.jxen.abi.XenConstant;

/**
 * Commands of {@code __HYPERVISOR_console_io} (xen.h {@code CONSOLEIO_*}).
 */
public final class ConsoleIo {

    /** Writes bytes to the emergency console: {@code CONSOLEIO_write} (xen.h). */
    @XenConstant("CONSOLEIO_write")
    public static final int WRITE = 0;

    /** Reads bytes from the emergency console (privileged): {@code CONSOLEIO_read} (xen.h). */
    @XenConstant("CONSOLEIO_read")
    public static final int READ = 1;

    private ConsoleIo() {
    }
}

package io.jxen.hv;

import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hypercall.GuestPhysicalMemory;
import io.jxen.hypercall.Hypercalls;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** A host for tests: machine memory in a temporary file and a hypervisor on a virtual clock. */
public final class TestHost implements AutoCloseable {

    /** Machine frames of the test host (16 MiB). */
    public static final int FRAMES = 4096;

    final MachineMemory memory;
    final Hypervisor hv;

    TestHost(Path dir) {
        try {
            memory = MachineMemory.create(dir.resolve("host.mem"), FRAMES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        hv = new Hypervisor(memory, new VirtualClock(0));
    }

    Domain domain(long pages, int vcpus) {
        return hv.createDomain(DomainConfig.of(pages, vcpus));
    }

    /** A guest's view of itself: its hypercalls (vCPU 0) and its memory. */
    Guest guest(Domain d) {
        return new Guest(d, hv.hypercalls(d.domid(), 0), d.guestPhysicalMemory());
    }

    @Override
    public void close() {
        memory.close();
    }

    /** What a guest has: hypercalls and its own memory. Scratch structures go at {@link #ARG}. */
    record Guest(Domain domain, Hypercalls hc, GuestPhysicalMemory mem) {
        /** Guest-physical address where tests write hypercall arguments (page 1). */
        static final long ARG = 0x1000;
        /** A second argument page (page 2), e.g. for arrays. */
        static final long LIST = 0x2000;

        int domid() {
            return domain.domid();
        }
    }
}

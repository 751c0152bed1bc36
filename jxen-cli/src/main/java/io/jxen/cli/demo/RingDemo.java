package io.jxen.cli.demo;

import io.jxen.memory.MachineMemory;
import io.jxen.memory.ring.BackRing;
import io.jxen.memory.ring.FrontRing;
import io.jxen.memory.ring.SharedRing;
import io.jxen.runtime.Fault;
import io.jxen.sim.SimulationRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A frontend and a backend agent exchanging requests over an io/ring.h ring in machine
 * memory mapped from a file, stepped by the deterministic simulation with random
 * deschedules (agent turns delayed) drawn from the seed.
 *
 * @param requests      requests the frontend sends
 * @param entries       ring entries
 * @param notifications notifications actually sent (the rest were suppressed by ring.h's event indices)
 * @param delayedTurns  agent turns the simulation skipped on purpose
 * @param rounds        simulation rounds
 * @param virtualNanos  virtual time the exchange took
 * @param memoryFile    where the machine memory was mapped from
 */
public record RingDemo(long requests, int entries, long notifications, long delayedTurns, long rounds,
                       long virtualNanos, Path memoryFile) {

    /**
     * Runs the exchange.
     *
     * @param seed     the simulation's seed
     * @param requests how many requests to move
     * @param pages    ring pages (1 to 8)
     */
    public static RingDemo run(long seed, long requests, int pages) throws IOException {
        Path directory = Files.isDirectory(MachineMemory.DEFAULT_DIRECTORY)
                ? MachineMemory.DEFAULT_DIRECTORY : Path.of(System.getProperty("java.io.tmpdir"));
        MachineMemory memory = MachineMemory.createTemp(directory, "jxen-demo-", 64);
        try {
            long firstMfn = memory.allocator().allocContiguous(pages);
            SharedRing shared = new SharedRing(memory.frames(firstMfn, pages), DemoBackend.ENTRY_BYTES);
            FrontRing front = FrontRing.init(shared);
            BackRing back = BackRing.init(shared);
            Notification toBackend = new Notification();
            Notification toFrontend = new Notification();
            DemoFrontend frontend = new DemoFrontend(front, toBackend, toFrontend, requests, 24);
            DemoBackend backend = new DemoBackend(back, toBackend, toFrontend, 16);

            SimulationRunner sim = new SimulationRunner(seed).idleStep(1_000);
            sim.faults().inject("agent." + frontend.roleName(), Fault.DELAY, 0.3);
            sim.faults().inject("agent." + backend.roleName(), Fault.DELAY, 0.3);
            sim.add(frontend).add(backend);
            sim.runUntil(frontend::done, 60_000_000_000L);
            long delayed = sim.faults().injectedCount("agent." + frontend.roleName(), Fault.DELAY)
                    + sim.faults().injectedCount("agent." + backend.roleName(), Fault.DELAY);
            return new RingDemo(frontend.completed(), shared.entries(), toBackend.sent() + toFrontend.sent(),
                    delayed, sim.rounds(), sim.clock().nanoTime(), memory.file());
        } finally {
            memory.close();
            memory.delete();
        }
    }
}

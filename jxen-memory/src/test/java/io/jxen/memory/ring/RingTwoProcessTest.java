package io.jxen.memory.ring;

import io.jxen.memory.MachineMemory;
import io.jxen.abi.OrderedAccess;
import io.jxen.memory.futex.Doorbell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A front end here and a back end in a second JVM on one memory file in /dev/shm, woken by
 * futex doorbells across the processes: a million requests and responses, none lost or
 * duplicated (sequence numbers in order, checksums equal on both sides).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RingTwoProcessTest {

    private static final long COUNT = 1_000_000;
    private static final int PAGES = 4;

    @Test
    void aMillionRequestsAndResponsesBetweenTwoProcesses() throws Exception {
        MachineMemory memory = MachineMemory.createTemp(MachineMemory.DEFAULT_DIRECTORY, "jxen-ring-test-", 1 + PAGES);
        Path log = Files.createTempFile("jxen-ring-backend-", ".log");
        Process child = null;
        try {
            var control = memory.frame(0);
            FrontRing front = FrontRing.init(new SharedRing(memory.frames(1, PAGES), RingTraffic.ENTRY_SIZE));
            String java = ProcessHandle.current().info().command().orElseThrow();
            child = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"),
                    RingBackendProcess.class.getName(), memory.file().toString(),
                    Integer.toString(PAGES), Long.toString(COUNT)))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            Process backend = child;

            RingTraffic.Result result = RingTraffic.runFront(front,
                    new Doorbell(control, RingBackendProcess.REQUEST_BELL),
                    new Doorbell(control, RingBackendProcess.RESPONSE_BELL), COUNT,
                    () -> backend.isAlive()
                            && OrderedAccess.getIntAcquire(control, RingBackendProcess.STATUS) != RingBackendProcess.STATUS_FAILED,
                    TimeUnit.MILLISECONDS.toNanos(100), System.nanoTime() + TimeUnit.SECONDS.toNanos(80));

            assertThat(backend.waitFor(30, TimeUnit.SECONDS)).as("back end exits").isTrue();
            assertThat(backend.exitValue()).as("back end exit status; log:%n%s", Files.readString(log)).isZero();
            long expected = RingTraffic.expectedChecksum(COUNT);
            assertThat(OrderedAccess.getIntAcquire(control, RingBackendProcess.STATUS)).isEqualTo(RingBackendProcess.STATUS_DONE);
            assertThat(OrderedAccess.getLongPlain(control, RingBackendProcess.CHECKSUM)).as("requests seen by the back end")
                    .isEqualTo(expected);
            assertThat(result.checksum()).as("responses seen by the front end").isEqualTo(expected);
            assertThat(result.waits()).as("the front end slept and was woken across processes").isPositive();
            System.out.println("front end: " + COUNT + " responses, " + result.waits() + " waits, "
                    + result.timedOutWaits() + " of them timed out; " + Files.readString(log).strip());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nback end log:\n" + Files.readString(log), e);
        } finally {
            if (child != null) {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
            memory.delete();
            Files.deleteIfExists(log);
        }
    }
}

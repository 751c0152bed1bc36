package io.jxen.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpareCoreTest {

    @Test
    void aCoreIsSpareWhileRunnableTasksDoNotExceedTheCores() {
        AtomicInteger runnable = new AtomicInteger(2);
        AtomicLong now = new AtomicLong();
        SpareCore spare = new SpareCore(runnable::get, 2, now::get);
        assertThat(spare.available()).isTrue();
        runnable.set(3);
        assertThat(spare.available()).as("the sample stands until it is %d ns old", SpareCore.SAMPLE_NANOS).isTrue();
        now.addAndGet(SpareCore.SAMPLE_NANOS);
        assertThat(spare.available()).isFalse();
        runnable.set(1);
        now.addAndGet(SpareCore.SAMPLE_NANOS);
        assertThat(spare.available()).isTrue();
    }

    @Test
    void anUnreadableRunQueueMeansNoSpareCore() {
        SpareCore spare = new SpareCore(() -> -1, 8, () -> 0L);
        assertThat(spare.available()).isFalse();
        assertThat(new SpareCore.LoadavgProbe(Path.of("/nonexistent/loadavg")).runnableTasks()).isEqualTo(-1);
    }

    @Test
    void parsesTheRunnableFieldOfLoadavg() {
        assertThat(parse("0.75 1.62 2.15 1/79 17498\n")).isEqualTo(1);
        assertThat(parse("12.00 9.01 3.50 17/1234 99\n")).isEqualTo(17);
        assertThat(parse("0.75 1.62 2.15 79 17498\n")).as("no slash").isEqualTo(-1);
        assertThat(parse("0.75 1.62\n")).as("truncated").isEqualTo(-1);
        assertThat(parse("0.75 1.62 2.15 /79 1\n")).as("no digits").isEqualTo(-1);
        assertThat(parse("0.75 1.62 2.15 99999999999999/79 1\n")).as("too many digits").isEqualTo(-1);
        assertThat(parse("")).isEqualTo(-1);
    }

    @Test
    void readsAFileKeptOpenAgainFromTheStart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("loadavg");
        Files.writeString(file, "0.10 0.20 0.30 4/100 5\n");
        SpareCore.LoadavgProbe probe = new SpareCore.LoadavgProbe(file);
        assertThat(probe.runnableTasks()).isEqualTo(4);
        Files.writeString(file, "0.10 0.20 0.30 7/100 5\n");
        assertThat(probe.runnableTasks()).isEqualTo(7);
    }

    @Test
    void theOverridesAnswerFixedAndBadValuesAreRefused() {
        assertThat(SpareCore.fromProperty("always").available()).isTrue();
        assertThat(SpareCore.fromProperty("never").available()).isFalse();
        assertThat(SpareCore.fixed(true).available()).isTrue();
        assertThatThrownBy(() -> SpareCore.fromProperty("sometimes"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("always, never or auto");
    }

    @Test
    void theSystemProbeAnswersOnThisMachine() {
        // On Linux the probe reads a real count; the answer itself depends on the load.
        SpareCore.LoadavgProbe probe = new SpareCore.LoadavgProbe(Path.of("/proc/loadavg"));
        if (Files.isReadable(Path.of("/proc/loadavg"))) {
            assertThat(probe.runnableTasks()).isGreaterThanOrEqualTo(1);
        }
    }

    private static int parse(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        return SpareCore.parseRunnable(bytes, bytes.length);
    }
}

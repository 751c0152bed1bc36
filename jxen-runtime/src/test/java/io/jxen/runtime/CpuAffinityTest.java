package io.jxen.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link CpuAffinity} on Linux: reads the process's CPUs and pins only the calling thread. */
@EnabledOnOs(OS.LINUX)
class CpuAffinityTest {

    @Test
    void aThreadPinnedToOneOfTheAllowedCpusRunsOnlyThereAndOthersKeepTheirs() throws Exception {
        List<Integer> allowed = CpuAffinity.allowed();
        assertThat(allowed).as("sched_getaffinity answers on Linux").isNotEmpty();
        int last = allowed.getLast();
        AtomicReference<List<Integer>> seen = new AtomicReference<>();
        AtomicReference<Boolean> pinned = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            pinned.set(CpuAffinity.pin(last));
            seen.set(CpuAffinity.allowed());
        });
        t.join();
        assertThat(pinned.get()).isTrue();
        assertThat(seen.get()).containsExactly(last);
        assertThat(CpuAffinity.allowed()).as("only the pinned thread changed").isEqualTo(allowed);
    }

    @Test
    void aCpuOutsideTheMaskIsRefused() throws Exception {
        AtomicReference<Boolean> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> result.set(CpuAffinity.pin(-1) || CpuAffinity.pin(1 << 20)));
        t.join();
        assertThat(result.get()).isFalse();
    }
}

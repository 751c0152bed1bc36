package io.jxen.hv.time.platform;

import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.TestPlatform;
import io.jxen.hv.time.vpt.TimerMode;
import io.jxen.hv.time.vpt.VcpuPlatformTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Port-level tests of the i8254 against xen/arch/x86/emul-i8254.c. */
class PitTest {

    private static final long MS = 1_000_000L;

    private final TestPlatform t = new TestPlatform(1);
    private final Pit pit = new Pit(t.platform);
    private final VcpuPlatformTime v0 = t.platform.vcpu(0);

    private void program(int channel, int mode, int count) {
        pit.write(Pit.COMMAND_PORT, 1, (channel << 6) | 0x30 | (mode << 1)); // lobyte/hibyte
        pit.write(Pit.BASE_PORT + channel, 1, count & 0xFF);
        pit.write(Pit.BASE_PORT + channel, 1, count >> 8);
    }

    private int readCount(int channel) {
        int lo = pit.read(Pit.BASE_PORT + channel, 1);
        int hi = pit.read(Pit.BASE_PORT + channel, 1);
        return lo | (hi << 8);
    }

    @Test
    void mode2OnChannel0IsAPeriodicIrq0() {
        t.platform.setMode(TimerMode.NO_DELAY_FOR_MISSED_TICKS);
        program(0, 2, 11932); // 11932 / 1193182 Hz = 10.00015 ms
        assertThat(pit.channel0Timer().period()).isEqualTo(10_000_151L); // DIV_ROUND(11932e9, PIT_FREQ)
        int ticks = 0;
        for (int i = 0; i < 100; i++) {
            t.advance(MS);
            ticks += t.deliverAll(v0);
        }
        assertThat(ticks).isEqualTo(9); // first at 10.0001 ms, the tenth just after 100 ms
        t.advance(MS);
        assertThat(t.deliverAll(v0)).isEqualTo(1);
        assertThat(t.lines.count(IrqSource.ISA, 0)).isEqualTo(10);
    }

    @Test
    void mode3IsPeriodicAndMode0IsNotAndMode1IsOneShot() {
        program(0, 3, 1193);
        assertThat(pit.channel0Timer().period()).isEqualTo(999_847L);
        program(0, 0, 1193);
        assertThat(pit.channel0Timer().onList()).isFalse();
        program(0, 1, 1193);
        assertThat(pit.channel0Timer().onList()).isTrue();
        assertThat(pit.channel0Timer().period()).isZero();
        program(0, 6, 1193); // mode 6 is an alias of 2
        assertThat(pit.channel0Timer().period()).isEqualTo(999_847L);
    }

    @Test
    void countDownReadsFollowGuestTime() {
        program(0, 2, 0); // count 0 means 0x10000
        assertThat(readCount(0)).isEqualTo(0); // 0x10000 - 0 truncated to 16 bits
        t.advance(1_000_000); // 1193.182 ticks
        assertThat(readCount(0)).isEqualTo(0x10000 - 1193);
        program(2, 0, 5000); // channel 2 gate is low at reset: counting is held
        t.advance(MS);
        assertThat(readCount(2)).isEqualTo(5000);
        pit.write(Pit.SPEAKER_PORT, 1, 1); // gate high: mode 0 starts counting
        t.advance(MS);
        assertThat(readCount(2)).isEqualTo(5000 - 1193);
        assertThat(pit.read(Pit.SPEAKER_PORT, 1) & 0x21).isEqualTo(0x01); // gate 1, out 0
    }

    @Test
    void counterLatchFreezesTheValueUntilRead() {
        program(0, 2, 10000);
        t.advance(1_000_000);
        pit.write(Pit.COMMAND_PORT, 1, 0x00); // latch channel 0
        t.advance(1_000_000);
        assertThat(readCount(0)).isEqualTo(10000 - 1193);
        assertThat(readCount(0)).isEqualTo(10000 - 2386); // live again
        pit.write(Pit.COMMAND_PORT, 1, 0x00);
        pit.write(Pit.COMMAND_PORT, 1, 0x00); // a second latch before reading is ignored
        t.advance(1_000_000);
        assertThat(readCount(0)).isEqualTo(10000 - 2386);
    }

    @Test
    void readBackLatchesStatusAndCount() {
        program(1, 2, 10000);
        t.advance(1_000_000);
        pit.write(Pit.COMMAND_PORT, 1, 0xC0 | 0x04); // read-back, count and status, channel 1
        t.advance(5_000_000);
        // Status: OUT, rw mode 3 (lo/hi), mode 2, binary; then the latched count.
        assertThat(pit.read(Pit.BASE_PORT + 1, 1)).isEqualTo((3 << 4) | (2 << 1));
        assertThat(readCount(1)).isEqualTo(10000 - 1193);
        pit.write(Pit.COMMAND_PORT, 1, 0xC0 | 0x20 | 0x04); // status only
        assertThat(pit.read(Pit.BASE_PORT + 1, 1)).isEqualTo((3 << 4) | (2 << 1));
    }

    @Test
    void onlyByteAccessesAreValid() {
        assertThat(pit.read(Pit.BASE_PORT, 2)).isEqualTo(-1);
        assertThat(pit.read(Pit.COMMAND_PORT, 1)).isEqualTo(-1);
        pit.write(Pit.COMMAND_PORT, 2, 0x34);
        assertThat(pit.channel0Timer().onList()).isFalse();
        assertThat(Pit.handles(0x61)).isTrue();
        assertThat(Pit.handles(0x44)).isFalse();
    }
}

package io.jxen.hv.time.platform;

import io.jxen.hv.time.hpet.Hpet;
import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.PeriodicTime;
import io.jxen.hv.time.vpt.PlatformTime;
import io.jxen.hv.time.vpt.VcpuPlatformTime;

import java.util.Objects;

/**
 * The i8254 PIT as Xen emulates it (xen/arch/x86/emul-i8254.c): three channels at 1.193182 MHz
 * counted from guest time, ports 0x40-0x43 and the gate/speaker port 0x61. Channel 0 in modes
 * 2 and 3 is a periodic {@link PeriodicTime} on ISA IRQ 0, in modes 1 and 4 a one-shot; the
 * counter latch and the read-back command work as on the chip.
 *
 * <p>Port accesses take the domain's platform-time lock.
 */
public final class Pit implements Hpet.LegacyPit {

    /** Input clock: {@code PIT_FREQ}. */
    public static final long FREQUENCY_HZ = 1_193_182L;
    /** First port (channel 0 data). */
    public static final int BASE_PORT = 0x40;
    /** The mode/command port. */
    public static final int COMMAND_PORT = 0x43;
    /** NMI status and control: speaker data and channel 2's gate. */
    public static final int SPEAKER_PORT = 0x61;

    private static final int RW_STATE_LSB = 1;
    private static final int RW_STATE_MSB = 2;
    private static final int RW_STATE_WORD0 = 3;
    private static final int RW_STATE_WORD1 = 4;
    private static final long NS_PER_S = 1_000_000_000L;

    private static final class Channel {
        int count;          // 1..0x10000
        int latchedCount;
        int countLatched;   // rw state of the latch, 0 = none
        boolean statusLatched;
        int status;
        int readState;
        int writeState;
        int writeLatch;
        int rwMode;
        int mode;
        int bcd;
        int gate;
    }

    private final PlatformTime platform;
    private final Channel[] channels = {new Channel(), new Channel(), new Channel()};
    private final long[] countLoadTime = new long[3];
    private final long[] countStopTime = new long[3];
    private final long[] stoppedTime = new long[3];
    private final PeriodicTime pt0 = new PeriodicTime("pit0", IrqSource.ISA);
    private int speakerDataOn;

    /** {@code pit_init} and {@code pit_reset}. */
    public Pit(PlatformTime platform) {
        this.platform = Objects.requireNonNull(platform, "platform");
        reset();
    }

    /** {@code pit_reset}: every channel in the unreachable mode 7, gates 0 and 1 high, count 0x10000. */
    public void reset() {
        synchronized (platform) {
            platform.destroy(pt0);
            for (int i = 0; i < 3; i++) {
                channels[i].mode = 7;
                channels[i].gate = i != 2 ? 1 : 0;
                loadCount(i, 0);
            }
        }
    }

    /** Whether a port belongs to the PIT (0x40-0x43, 0x61). */
    public static boolean handles(int port) {
        return (port >= BASE_PORT && port <= COMMAND_PORT) || port == SPEAKER_PORT;
    }

    /**
     * A port read ({@code handle_pit_io}, {@code handle_speaker_io}); only 1-byte accesses are
     * valid, others read all-ones. Reading the command port returns all-ones.
     */
    public int read(int port, int bytes) {
        synchronized (platform) {
            if (bytes != 1) {
                return -1;
            }
            if (port == SPEAKER_PORT) {
                // Refresh clock toggles at about 15 µs; Xen approximates it as 2^14 ns of host time.
                int refresh = (int) ((platform.hostNow() >>> 14) & 1);
                return (speakerDataOn << 1) | channels[2].gate | (out(2) << 5) | (refresh << 4);
            }
            if ((port & 3) == 3) {
                return -1;
            }
            return ioportRead(port & 3);
        }
    }

    /** A port write; only 1-byte accesses are valid, others are dropped. */
    public void write(int port, int bytes, int value) {
        synchronized (platform) {
            if (bytes != 1) {
                return;
            }
            if (port == SPEAKER_PORT) {
                speakerDataOn = (value >> 1) & 1;
                setGate(2, value & 1);
                return;
            }
            ioportWrite(port & 3, value & 0xFF);
        }
    }

    @Override
    public void stopChannel0Irq() {
        synchronized (platform) {
            platform.destroy(pt0);
        }
    }

    /** The channel-0 interrupt channel (for diagnostics and tests). */
    public PeriodicTime channel0Timer() {
        return pt0;
    }

    private long guestTime() {
        return platform.globalTarget().guestTime();
    }

    // muldiv64(d, PIT_FREQ, 10^9), exact without a 128-bit intermediate.
    private static long nsToPitTicks(long ns) {
        return (ns / NS_PER_S) * FREQUENCY_HZ + (ns % NS_PER_S) * FREQUENCY_HZ / NS_PER_S;
    }

    // get_count: PIT ticks since the count was loaded, not counting time the gate was low.
    private long elapsedTicks(int channel) {
        Channel c = channels[channel];
        long d = c.gate != 0 || (c.mode & 3) == 1 ? guestTime() : countStopTime[channel];
        return nsToPitTicks(d - countLoadTime[channel] - stoppedTime[channel]);
    }

    // pit_get_count.
    private int currentCount(int channel) {
        Channel c = channels[channel];
        int d = (int) elapsedTicks(channel);
        return switch (c.mode) {
            case 0, 1, 4, 5 -> (c.count - d) & 0xFFFF;
            case 3 -> c.count - Integer.remainderUnsigned(2 * d, c.count); // Xen: "may be incorrect for odd counts"
            default -> c.count - Integer.remainderUnsigned(d, c.count);
        };
    }

    // pit_get_out.
    private int out(int channel) {
        Channel s = channels[channel];
        long d = elapsedTicks(channel);
        boolean out = switch (s.mode) {
            case 1 -> d < s.count;
            case 2 -> d % s.count == 0 && d != 0;
            case 3 -> d % s.count < ((s.count + 1) >> 1);
            case 4, 5 -> d == s.count;
            default -> d >= s.count;
        };
        return out ? 1 : 0;
    }

    // pit_load_count: channel 0 modes 2/3 become a periodic interrupt, 1/4 a one-shot.
    private void loadCount(int channel, int value) {
        if (value == 0) {
            value = 0x10000;
        }
        countLoadTime[channel] = guestTime();
        countStopTime[channel] = countLoadTime[channel];
        stoppedTime[channel] = 0;
        Channel s = channels[channel];
        s.count = value;
        long period = (value * NS_PER_S + FREQUENCY_HZ / 2) / FREQUENCY_HZ; // DIV_ROUND
        if (channel != 0) {
            return;
        }
        VcpuPlatformTime v = platform.globalTarget();
        PeriodicTime.Callback reloaded = vcpu -> countLoadTime[0] = guestTime(); // pit_time_fired
        switch (s.mode) {
            case 2, 3 -> platform.create(pt0, v, period, period, 0, reloaded, false);
            case 1, 4 -> platform.create(pt0, v, period, 0, 0, reloaded, false);
            default -> platform.destroy(pt0);
        }
    }

    // pit_set_gate.
    private void setGate(int channel, int value) {
        Channel s = channels[channel];
        if (s.gate > value) {
            switch (s.mode) {
                case 0, 2, 3, 4 -> {
                    if (channel == 0) {
                        platform.destroy(pt0);
                    }
                    countStopTime[channel] = guestTime();
                }
                default -> {
                }
            }
        }
        if (s.gate < value) {
            switch (s.mode) {
                case 1, 5, 2, 3 -> loadCount(channel, s.count); // counting restarts on the rising edge
                default -> stoppedTime[channel] += guestTime() - countStopTime[channel];
            }
        }
        s.gate = value;
    }

    private void latchCount(int channel) {
        Channel c = channels[channel];
        if (c.countLatched == 0) {
            c.latchedCount = currentCount(channel);
            c.countLatched = c.rwMode;
        }
    }

    private void latchStatus(int channel) {
        Channel c = channels[channel];
        if (!c.statusLatched) {
            // Xen does not report NULL COUNT (bit 6).
            c.status = (out(channel) << 7) | (c.rwMode << 4) | (c.mode << 1) | c.bcd;
            c.statusLatched = true;
        }
    }

    private void ioportWrite(int addr, int val) {
        if (addr == 3) {
            int channel = val >> 6;
            if (channel == 3) {
                // Read-back: bit 1+n selects channel n; bit 5 clear latches counts, bit 4 clear status.
                for (channel = 0; channel < 3; channel++) {
                    if ((val & (2 << channel)) != 0) {
                        if ((val & 0x20) == 0) {
                            latchCount(channel);
                        }
                        if ((val & 0x10) == 0) {
                            latchStatus(channel);
                        }
                    }
                }
            } else {
                Channel s = channels[channel];
                int access = (val >> 4) & 3;
                if (access == 0) {
                    latchCount(channel); // counter latch command
                } else {
                    s.rwMode = access;
                    s.readState = access;
                    s.writeState = access;
                    s.mode = (val >> 1) & 7;
                    if (s.mode > 5) {
                        s.mode -= 4; // modes 6 and 7 are aliases of 2 and 3
                    }
                    s.bcd = val & 1;
                }
            }
            return;
        }
        Channel s = channels[addr];
        switch (s.writeState) {
            case RW_STATE_MSB -> loadCount(addr, val << 8);
            case RW_STATE_WORD0 -> {
                s.writeLatch = val;
                s.writeState = RW_STATE_WORD1;
            }
            case RW_STATE_WORD1 -> {
                loadCount(addr, s.writeLatch | (val << 8));
                s.writeState = RW_STATE_WORD0;
            }
            default -> loadCount(addr, val);
        }
    }

    private int ioportRead(int addr) {
        Channel s = channels[addr];
        if (s.statusLatched) {
            s.statusLatched = false;
            return s.status;
        }
        if (s.countLatched != 0) {
            switch (s.countLatched) {
                case RW_STATE_MSB -> {
                    s.countLatched = 0;
                    return (s.latchedCount >> 8) & 0xFF;
                }
                case RW_STATE_WORD0 -> {
                    s.countLatched = RW_STATE_MSB;
                    return s.latchedCount & 0xFF;
                }
                default -> {
                    s.countLatched = 0;
                    return s.latchedCount & 0xFF;
                }
            }
        }
        switch (s.readState) {
            case RW_STATE_MSB -> {
                return (currentCount(addr) >> 8) & 0xFF;
            }
            case RW_STATE_WORD0 -> {
                s.readState = RW_STATE_WORD1;
                return currentCount(addr) & 0xFF;
            }
            case RW_STATE_WORD1 -> {
                s.readState = RW_STATE_WORD0;
                return (currentCount(addr) >> 8) & 0xFF;
            }
            default -> {
                return currentCount(addr) & 0xFF;
            }
        }
    }
}

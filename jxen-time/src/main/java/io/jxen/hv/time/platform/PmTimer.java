package io.jxen.hv.time.platform;

import io.jxen.hv.time.timer.TimerQueue;
import io.jxen.hv.time.vpt.IrqLine;
import io.jxen.hv.time.vpt.IrqSource;
import io.jxen.hv.time.vpt.PlatformTime;

import java.util.Objects;

/**
 * The ACPI PM timer as Xen emulates it (xen/arch/x86/hvm/pmtimer.c): a free-running counter at
 * 3.579545 MHz derived from guest time, carrying the sub-tick remainder so it does not drift;
 * when its top bit flips, {@code TMR_STS} is set in PM1a_STS and, if {@code TMR_EN} is set in
 * PM1a_EN, the SCI (ISA IRQ 9) is raised. A host timer wakes near each flip so the status is
 * set even if nobody reads the counter.
 *
 * <p>Xen offers a 32-bit counter (FADT {@code TMR_VAL_EXT}); a 24-bit one, as on chips without
 * that flag, can be chosen.
 */
public final class PmTimer {

    /** Counter frequency: {@code FREQUENCE_PMTIMER}. */
    public static final long FREQUENCY_HZ = 3_579_545L;
    // Move to jxen-abi (hvm/ioreq.h ACPI_PM1A_EVT_BLK_ADDRESS_V0/_V1, ACPI_PM_TMR_BLK_ADDRESS_V*),
    // where the ABI oracle can check them against the header.
    /** PM1a event block, layout version 0 ({@code ACPI_PM1A_EVT_BLK_ADDRESS_V0}). */
    public static final int PM1A_EVT_BLK_V0 = 0x1F40;
    /** PM1a event block, layout version 1 ({@code ACPI_PM1A_EVT_BLK_ADDRESS_V1}). */
    public static final int PM1A_EVT_BLK_V1 = 0xB000;
    /** The timer block is 8 bytes after the event block. */
    public static final int TMR_OFFSET = 8;
    /** SCI's ISA IRQ (hvmloader's FADT). */
    public static final int SCI_IRQ = 9;
    /** PM1a_STS: timer carry. */
    public static final int TMR_STS = 1;
    /** PM1a_STS: global lock release. */
    public static final int GBL_STS = 1 << 5;
    /** PM1a_STS: power button. */
    public static final int PWRBTN_STS = 1 << 8;
    /** PM1a_STS: sleep button. */
    public static final int SLPBTN_STS = 1 << 9;
    private static final int SCI_MASK = TMR_STS | PWRBTN_STS | SLPBTN_STS | GBL_STS;
    private static final long MS = 1_000_000L;

    private final PlatformTime platform;
    private final IrqLine irqLine;
    private final TimerQueue.Timer flipTimer;
    private final int eventBlock;
    private final long valueMask;
    private final long msb;
    private final long scale;
    private long tmrVal;
    private long lastGuestTime;
    private long notAccounted;
    private int pm1aSts;
    private int pm1aEn;
    private boolean closed;

    /**
     * @param platform   the domain's platform time
     * @param queue      the timer agent (for the wake-up near each top-bit flip)
     * @param irqLine    where the SCI goes
     * @param eventBlock {@link #PM1A_EVT_BLK_V0} or {@link #PM1A_EVT_BLK_V1}
     *                   ({@code HVM_PARAM_ACPI_IOPORTS_LOCATION})
     * @param bits       24 or 32 (Xen: 32)
     */
    public PmTimer(PlatformTime platform, TimerQueue queue, IrqLine irqLine, int eventBlock, int bits) {
        if (bits != 24 && bits != 32) {
            throw new IllegalArgumentException("PM timer is 24 or 32 bits: " + bits);
        }
        this.platform = Objects.requireNonNull(platform, "platform");
        this.irqLine = Objects.requireNonNull(irqLine, "irqLine");
        this.eventBlock = eventBlock;
        this.valueMask = (1L << bits) - 1;
        this.msb = 1L << (bits - 1);
        this.scale = (FREQUENCY_HZ << 32) / 1_000_000_000L; // 32.32 ticks per ns
        this.flipTimer = queue.newTimer("pmtimer", this::timerCallback);
        synchronized (platform) {
            lastGuestTime = platform.globalTarget().guestTime();
        }
        timerCallback();
    }

    /** Whether a port is the PM1a status/enable block or the timer. */
    public boolean handles(int port) {
        return (port >= eventBlock && port < eventBlock + 4) || (port >= eventBlock + TMR_OFFSET && port < eventBlock + TMR_OFFSET + 4);
    }

    /**
     * A port read: the timer (4-byte reads only; others read all-ones) or PM1a_STS/EN.
     */
    public int read(int port, int bytes) {
        synchronized (platform) {
            if (port >= eventBlock + TMR_OFFSET) {
                if (bytes != 4 || port != eventBlock + TMR_OFFSET) {
                    return -1;
                }
                updateTime();
                return (int) tmrVal;
            }
            int data = pm1aSts | (pm1aEn << 16);
            data >>>= 8 * (port - eventBlock);
            return bytes == 1 ? data & 0xFF : bytes == 2 ? data & 0xFFFF : data;
        }
    }

    /** A port write to PM1a_STS (write 1 to clear) or PM1a_EN; the timer is read-only. */
    public void write(int port, int bytes, int value) {
        synchronized (platform) {
            if (port >= eventBlock + TMR_OFFSET) {
                return;
            }
            int addr = port - eventBlock;
            int data = value;
            for (int i = bytes; i > 0; i--, addr++, data >>>= 8) {
                int b = data & 0xFF;
                switch (addr) {
                    case 0 -> pm1aSts &= ~b;
                    case 1 -> pm1aSts &= ~(b << 8);
                    case 2 -> pm1aEn = (pm1aEn & 0xFF00) | b;
                    case 3 -> pm1aEn = (pm1aEn & 0xFF) | (b << 8);
                    default -> {
                    }
                }
            }
            updateSci();
        }
    }

    /** Stops the wake-up timer (domain destroyed). */
    public void close() {
        synchronized (platform) {
            closed = true;
            flipTimer.stop();
        }
    }

    /** The counter now, as a 4-byte read of the timer port would return it. */
    public long counter() {
        synchronized (platform) {
            updateTime();
            return tmrVal;
        }
    }

    // pmt_update_sci.
    private void updateSci() {
        if ((pm1aEn & pm1aSts & SCI_MASK) != 0) {
            irqLine.assertIrq(IrqSource.ISA, SCI_IRQ);
        } else {
            irqLine.deassertIrq(IrqSource.ISA, SCI_IRQ);
        }
    }

    // pmt_update_time: advance by the guest time since the last update, keeping the
    // fractional tick (not_accounted) so the counter does not lose time.
    private void updateTime() {
        long now = platform.globalTarget().guestTime();
        long oldMsb = tmrVal & msb;
        long tmp = (now - lastGuestTime) * scale + notAccounted;
        notAccounted = tmp & 0xFFFF_FFFFL;
        tmrVal = (tmrVal + (tmp >>> 32)) & valueMask;
        lastGuestTime = now;
        if ((tmrVal & msb) != oldMsb) {
            pm1aSts |= TMR_STS;
            updateSci();
        }
    }

    // pmt_timer_callback: update, then wake up again 1 ms after the next top-bit flip.
    private void timerCallback() {
        synchronized (platform) {
            if (closed) {
                return;
            }
            updateTime();
            long cyclesUntilFlip = msb - (tmrVal & (msb - 1));
            long timeUntilFlip = (1_000_000_000L << 23) / FREQUENCY_HZ; // ns per 2^23 ticks
            timeUntilFlip = (timeUntilFlip * cyclesUntilFlip) >>> 23;
            flipTimer.set(platform.hostNow() + timeUntilFlip + MS);
        }
    }
}

package io.jxen.runtime;

/**
 * The fault-injection hook point. Production code is given {@link #NONE}; the simulation
 * gives a seeded injector, so a protocol bug found by a lost or duplicated notification
 * reproduces from the seed.
 *
 * <p>Point names are dotted and start with the component: {@code "evtchn.send"},
 * {@code "blkback.response"}, {@code "xenstored.reply"}.
 */
@FunctionalInterface
public interface Faults {

    /** Never injects anything. */
    Faults NONE = point -> Fault.NONE;

    /**
     * Asks what should happen at {@code point} this time.
     *
     * @param point the fault point's name
     * @return the fault to act out, {@link Fault#NONE} to behave normally
     */
    Fault at(String point);
}

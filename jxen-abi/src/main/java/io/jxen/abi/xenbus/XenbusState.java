package io.jxen.abi.xenbus;

/**
 * The xenbus device state machine (io/xenbus.h {@code enum xenbus_state}); each constant's
 * {@link #value()} is the number a frontend or backend writes to its {@code state} key,
 * checked against the header through {@link XenbusStateValues}.
 */
public enum XenbusState {
    /** {@code XenbusStateUnknown}. */
    UNKNOWN(XenbusStateValues.UNKNOWN),
    /** {@code XenbusStateInitialising}. */
    INITIALISING(XenbusStateValues.INITIALISING),
    /** {@code XenbusStateInitWait}. */
    INIT_WAIT(XenbusStateValues.INIT_WAIT),
    /** {@code XenbusStateInitialised}. */
    INITIALISED(XenbusStateValues.INITIALISED),
    /** {@code XenbusStateConnected}. */
    CONNECTED(XenbusStateValues.CONNECTED),
    /** {@code XenbusStateClosing}. */
    CLOSING(XenbusStateValues.CLOSING),
    /** {@code XenbusStateClosed}. */
    CLOSED(XenbusStateValues.CLOSED),
    /** {@code XenbusStateReconfiguring}. */
    RECONFIGURING(XenbusStateValues.RECONFIGURING),
    /** {@code XenbusStateReconfigured}. */
    RECONFIGURED(XenbusStateValues.RECONFIGURED);

    private static final XenbusState[] BY_VALUE = values();

    private final int value;

    XenbusState(int value) {
        this.value = value;
    }

    /** The number io/xenbus.h gives the state. */
    public int value() {
        return value;
    }

    /**
     * The state with the given number, as parsed from a {@code state} key.
     *
     * @throws IllegalArgumentException if io/xenbus.h defines no such state
     */
    public static XenbusState of(int value) {
        if (value < 0 || value >= BY_VALUE.length || BY_VALUE[value].value != value) {
            throw new IllegalArgumentException("no xenbus state " + value);
        }
        return BY_VALUE[value];
    }
}

package io.jxen.abi.xenbus;

import io.jxen.abi.XenConstant;

/**
 * The values of {@code enum xenbus_state} (io/xenbus.h), written as decimal strings to a
 * device's {@code state} xenstore key. {@link XenbusState} is the enum over them.
 */
public final class XenbusStateValues {

    /** The state of a device that has not been set up: {@code XenbusStateUnknown} (io/xenbus.h). */
    @XenConstant("XenbusStateUnknown")
    public static final int UNKNOWN = 0;

    /** Early initialisation in progress: {@code XenbusStateInitialising} (io/xenbus.h). */
    @XenConstant("XenbusStateInitialising")
    public static final int INITIALISING = 1;

    /**
     * Early initialisation done; waiting for information from the peer or hotplug scripts:
     * {@code XenbusStateInitWait} (io/xenbus.h).
     */
    @XenConstant("XenbusStateInitWait")
    public static final int INIT_WAIT = 2;

    /** Waiting for the peer to connect: {@code XenbusStateInitialised} (io/xenbus.h). */
    @XenConstant("XenbusStateInitialised")
    public static final int INITIALISED = 3;

    /** Connected: the rings are live: {@code XenbusStateConnected} (io/xenbus.h). */
    @XenConstant("XenbusStateConnected")
    public static final int CONNECTED = 4;

    /** Closing because of an error or an unplug: {@code XenbusStateClosing} (io/xenbus.h). */
    @XenConstant("XenbusStateClosing")
    public static final int CLOSING = 5;

    /** Closed: {@code XenbusStateClosed} (io/xenbus.h). */
    @XenConstant("XenbusStateClosed")
    public static final int CLOSED = 6;

    /** Being reconfigured: {@code XenbusStateReconfiguring} (io/xenbus.h). */
    @XenConstant("XenbusStateReconfiguring")
    public static final int RECONFIGURING = 7;

    /** Reconfiguration done: {@code XenbusStateReconfigured} (io/xenbus.h). */
    @XenConstant("XenbusStateReconfigured")
    public static final int RECONFIGURED = 8;

    private XenbusStateValues() {
    }
}

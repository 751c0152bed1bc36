package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;

/**
 * A split-driver half (blkfront, blkback, a console backend…) registered on a {@link XenBus}
 * for one device type ({@code "vbd"}, {@code "console"}, {@code "vif"}). The bus owns the
 * xenbus state machine (io/xenbus.h, io/blkif.h "startup"): it calls these hooks at the
 * protocol's steps and publishes the state that follows each one; a hook only does its
 * driver's work (read the other end's keys, write ours, map rings, bind channels).
 *
 * <p>Hooks of one device run one at a time, never concurrently with each other, on the
 * bus's bounded worker pool; different devices run in parallel. Any hook may throw: the bus
 * then publishes the failure (an {@code error} node and state Closed, see
 * {@link XenbusDevice#fatal}) and calls {@link #disconnect}. A hook that does not return
 * before the bus's connect timeout fails the device the same way and its thread is
 * interrupted; whatever it returns later is ignored.
 *
 * <pre>
 *  step                      frontend hook → we publish      backend hook → we publish
 *  device appears            probe         → Initialising    probe        → InitWait
 *  backend InitWait (or      initialise    → Initialised
 *    later: skipping allowed)
 *  frontend Initialised                                      connect      → Connected
 *    or Connected
 *  backend Connected         connect       → Connected
 *  other end Closing         disconnect    → Closed          disconnect   → Closing
 *    (when we were Connected; libxl removes a device by writing the backend's state=5)
 *  other end Closed          disconnect    → Closed          disconnect   → Closed
 *  either, before Connected  the failure is published (error node, Closed)
 *  reconnect (after Closed): backend InitWait again →        frontend Initialising again
 *                            Initialising, initialise, …     → InitWait, connect, …
 *  node removed / bus closed detach                          detach
 * </pre>
 */
public interface XenbusDriver {

    /** The device type this driver serves: the {@code <type>} in {@code device/<type>/<id>}. */
    String type();

    /**
     * The device appeared (or reappeared after a failed probe). A backend reads its
     * configuration and publishes its features and limits ({@code feature-…},
     * {@code max-ring-page-order}); a frontend prepares local state. Runs once per device
     * unless it fails; must be idempotent across a retry. A backend's first key written here
     * must stay while the device lives: the bus takes its absence from a directory that exists
     * for the toolstack having written the directory again (the device then starts over).
     */
    void probe(XenbusDevice device) throws Exception;

    /**
     * Frontend only: the backend is ready (InitWait, or later if it skipped InitWait). Read the
     * backend's features, allocate rings and event channels and publish the transport keys
     * ({@code ring-ref}, {@code event-channel}, {@code protocol}), ideally in one
     * {@link XenbusDevice#transaction}. Runs again on every reconnect: a block frontend
     * replays its in-flight requests on the new ring here.
     */
    default void initialise(XenbusDevice device) throws Exception {
    }

    /**
     * Both ends. A backend: the frontend published its transport (Initialised or Connected);
     * map its ring, bind its channel, publish the device properties ({@code sectors},
     * {@code sector-size}…). A frontend: the backend is Connected; read its properties.
     */
    void connect(XenbusDevice device) throws Exception;

    /**
     * Tears the connection down (unmap, unbind, end grants). Idempotent (XSA-350): called on
     * every close or failure, even when {@link #connect} never ran or ran only in part.
     */
    default void disconnect(XenbusDevice device) throws Exception {
    }

    /**
     * Every new state the other end publishes, before the bus acts on it, including those the
     * bus does not act on (Reconfiguring; Connected again while Connected, which a block
     * backend uses to announce a capacity change). Coalesced: a burst of writes may show as
     * its last state only (XSA-349).
     */
    default void otherEndChanged(XenbusDevice device, XenbusState state) throws Exception {
    }

    /**
     * The device is gone for good: its node was removed (hot-unplug), the bus detached it, or
     * the bus is closing. Free everything. Called after {@link #disconnect}.
     */
    default void detach(XenbusDevice device) throws Exception {
    }
}

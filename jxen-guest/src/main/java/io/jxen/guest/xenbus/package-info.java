/**
 * XenBus: the device layer of split drivers, over XenStore (the store access itself is
 * {@code io.jxen.guest.xenstore} in a guest and {@code io.jxen.xenstore.client} in dom0).
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link io.jxen.guest.xenbus.XenbusStore}: the store operations the bus needs, over a
 *       guest's ring ({@link io.jxen.guest.xenbus.RingXenbusStore}) or the xenstored socket
 *       ({@link io.jxen.guest.xenbus.SocketXenbusStore}).</li>
 *   <li>{@link io.jxen.guest.xenbus.XenBus}: one core, two buses. {@code XenBus.front} enumerates
 *       {@code /local/domain/<us>/device/<type>/<id>}; {@code XenBus.back} enumerates
 *       {@code /local/domain/<us>/backend/<type>/<frontend-domid>/<id>} (Xen's
 *       docs/misc/xenstore-paths, as libxl writes them).</li>
 *   <li>{@link io.jxen.guest.xenbus.XenbusDriver}: what blkfront, blkback, a console backend…
 *       implement, registered by device type.</li>
 *   <li>{@link io.jxen.guest.xenbus.XenbusDevice}: a device's ivars (node, other end, state,
 *       type) and the helpers a driver uses.</li>
 * </ul>
 *
 * <h2>Writing a driver</h2>
 * <pre>{@code
 * final class Blkback implements XenbusDriver {
 *     public String type() { return "vbd"; }
 *     public void probe(XenbusDevice dev) throws Exception {         // bus then publishes InitWait
 *         dev.write("feature-flush-cache", "1");
 *         dev.write("max-ring-page-order", "4");
 *     }
 *     public void connect(XenbusDevice dev) throws Exception {       // frontend is Initialised
 *         long ref = dev.readOtherEndLong("ring-ref", -1);
 *         if (ref < 0) throw new XenbusDriverException(XenbusErrno.EINVAL, "no ring-ref");
 *         // map the ring, bind event-channel, then:
 *         dev.transaction(tx -> { tx.write(dev.nodename() + "/sectors", "2048"); return null; });
 *     }                                                              // bus then publishes Connected
 *     public void disconnect(XenbusDevice dev) { }                   // idempotent: unmap, unbind
 * }
 * XenBus back = XenBus.back(new SocketXenbusStore(xenstoreClient), 0, XenBus.Options.defaults(clock));
 * back.register(new Blkback());
 * back.start();
 * // and run back.doWork() from an AgentRunner (or a test loop) for the connect timeouts
 * }</pre>
 * A frontend implements {@code initialise} (publish {@code ring-ref}, {@code event-channel},
 * {@code protocol} once the backend is in InitWait) and {@code connect} (read {@code sectors}
 * once the backend is Connected). The table of hooks and states is in
 * {@link io.jxen.guest.xenbus.XenbusDriver}.
 *
 * <h2>Rules the bus keeps</h2>
 * <ul>
 *   <li>The bus, not the driver, writes {@code state}, after each hook returns. Hooks of one
 *       device never overlap; devices run in parallel on {@code Options.parallelism} workers.</li>
 *   <li>Every failure is published, never hangs the bus: a hook throws
 *       ({@link io.jxen.guest.xenbus.XenbusDriverException} chooses the errno, otherwise EIO); a
 *       device is not Connected within {@code Options.connectTimeoutNanos} on the injected clock
 *       (ETIMEDOUT; a hung hook's thread is interrupted and its result ignored); the other end
 *       closes before we were connected (ECONNRESET), its {@code state} node vanishes (ENODEV)
 *       or holds garbage (EINVAL). Publishing writes
 *       {@code /local/domain/<us>/error/<relative node>/error = "<errno> <message>"} (Linux's
 *       and FreeBSD's {@code xenbus_dev_error} convention) and then state Closed, and calls the
 *       driver's {@code disconnect}. The error node is removed when the device next connects.</li>
 *   <li>Each device watches the other end's {@code state}; an event only sets a flag, so a
 *       flood of events is one pending event (XSA-349), and the bus re-reads the state instead
 *       of trusting the event.</li>
 *   <li>Reconnect: a frontend in Closed follows a backend that goes to InitWait again (it
 *       publishes Initialising and runs {@code initialise} again, where blkfront replays its
 *       ring); a backend in Closed follows a frontend that returns to Initialising (InitWait
 *       again, as Linux's blkback). {@link io.jxen.guest.xenbus.XenbusDevice#reconnect()} starts
 *       this end again by itself (a resumed frontend). A backend just probed ignores a frontend
 *       found Closed until it has seen it live: that frontend is waiting for a backend whose
 *       predecessor died (a restarted driver domain), and follows this one's InitWait. A
 *       backend in InitWait does not connect to a frontend that is Connected (to a predecessor
 *       whose Closed it has not seen yet); a Connected frontend that finds its backend back at
 *       InitWait (that Closed went unseen: the state is read as it is when the bus runs) starts
 *       again as it would after the Closed.</li>
 *   <li>A backend tolerates a frontend that skips InitWait, and a frontend a backend that
 *       skips it (io/blkif.h "startup").</li>
 *   <li>Costs: one xenstore watch per bus (its root) and one per device (the other end's
 *       {@code state}); xenstored's default quota of 128 watches per guest therefore bounds
 *       a guest's front bus to about 127 devices. Connect timeouts fire only when someone runs
 *       {@link io.jxen.guest.xenbus.XenBus#doWork()} (an AgentRunner, or a test's loop).</li>
 *   <li>Hot-unplug (our node removed) detaches the device without writing anything under the
 *       removed node; {@link io.jxen.guest.xenbus.XenBus#detach} and {@code close} publish
 *       Closed as the final state.</li>
 * </ul>
 */
package io.jxen.guest.xenbus;

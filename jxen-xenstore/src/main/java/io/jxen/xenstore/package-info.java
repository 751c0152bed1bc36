/**
 * xenstored and its client, a drop-in for Xen 4.17's C xenstored on a Unix socket.
 *
 * <pre>
 *  client bytes ─▶ wire.XsMessageReader ─▶ server.XenstoredCore.handle (one lock)
 *                   (bounded, hostile)        │  store.NodeOperations on store.Store
 *                                             │  or on a store.Transaction (overlay,
 *                                             │  per-node generation conflict checks)
 *                                             ├─▶ watch events (XSA-115 filtered) to every
 *                                             │   connection's Outbox, before the reply
 *                                             └─▶ reply / XS_ERROR to the caller's Outbox
 *  server.SocketConnection: the epoll loop reads and writes; the outbox is bounded
 *  server.RingConnection: a domain's xenstore_domain_interface page (hostile indices,
 *    reconnect, error field); the host maps the page and binds the port (server.DomainRings,
 *    implemented on the hypervisor by io.jxen.host.xenstored.HypervisorRings)
 *  journal.Journal (optional): each committed request one CRC32C record, forced before any
 *    reply or event leaves; replayed at start; compacted into snapshots
 * </pre>
 *
 * <ul>
 *   <li>{@code wire}: xs_wire codec, payload arguments, path rules, errno names;</li>
 *   <li>{@code store}: tree, permissions, generations, quotas, transactions;</li>
 *   <li>{@code watch}: watch registrations and matching;</li>
 *   <li>{@code server}: the request engine, the Unix-socket daemon, ring connections, the
 *       command line;</li>
 *   <li>{@code journal}: the durability journal;</li>
 *   <li>{@code client}: the Java client (concurrent requests, watches, transactions).</li>
 * </ul>
 *
 * <p>Semantics follow the C daemon request by request: the tests send the same raw
 * messages to the reference C xenstored (shared/reference-xenstored), as dom0 over the
 * socket and as guests over its ring pages, and compare every reply and watch event.
 * Facts: Xen's docs/misc/xenstore.txt and io/xs_wire.h (4.17).
 */
package io.jxen.xenstore;

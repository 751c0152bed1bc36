package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The "jxentest" split driver: the backend publishes {@code back-key} in probe, the frontend
 * publishes {@code front-key} in initialise, and each end reads the other's key in connect.
 * Hooks can be made to throw or hang on demand; every call is recorded.
 */
final class TestDriver implements XenbusDriver {

    static final String TYPE = "jxentest";

    private final boolean front;
    private final String type;
    private final List<String> calls = new ArrayList<>();
    /** Per node: the key this end read from the other end in connect. */
    final Map<String, String> negotiated = new ConcurrentHashMap<>();
    /** Hook name → exception it throws (once, then removed). */
    final Map<String, Exception> failOnce = new ConcurrentHashMap<>();
    /** Hook name → latch it waits on (interruptibly). */
    final Map<String, CountDownLatch> hangIn = new ConcurrentHashMap<>();
    /** Hooks of one device that overlapped (must stay 0). */
    final AtomicInteger overlaps = new AtomicInteger();
    private final Map<String, AtomicInteger> inside = new ConcurrentHashMap<>();
    /** Runs at the start of probe (e.g. a barrier to show probes run in parallel). */
    volatile Runnable onProbe = () -> { };

    TestDriver(boolean front) {
        this(front, TYPE);
    }

    TestDriver(boolean front, String type) {
        this.front = front;
        this.type = type;
    }

    @Override
    public String type() {
        return type;
    }

    synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    synchronized long count(String prefix) {
        return calls.stream().filter(c -> c.startsWith(prefix)).count();
    }

    private void enter(String hook, XenbusDevice d) throws Exception {
        synchronized (this) {
            calls.add(hook + " " + d.nodename());
        }
        if (inside.computeIfAbsent(d.nodename(), k -> new AtomicInteger()).incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        try {
            CountDownLatch hang = hangIn.get(hook);
            if (hang != null) {
                hang.await();
            }
            Exception e = failOnce.remove(hook);
            if (e != null) {
                throw e;
            }
        } catch (Exception e) {
            inside.get(d.nodename()).decrementAndGet();
            throw e;
        }
    }

    private void leave(XenbusDevice d) {
        inside.get(d.nodename()).decrementAndGet();
    }

    @Override
    public void probe(XenbusDevice d) throws Exception {
        enter("probe", d);
        try {
            onProbe.run();
            if (!front) {
                d.write("back-key", "b-" + d.id());
            }
        } finally {
            leave(d);
        }
    }

    @Override
    public void initialise(XenbusDevice d) throws Exception {
        enter("initialise", d);
        try {
            d.transaction(tx -> {
                tx.write(d.nodename() + "/front-key", "f-" + d.id());
                return null;
            });
        } finally {
            leave(d);
        }
    }

    @Override
    public void connect(XenbusDevice d) throws Exception {
        enter("connect", d);
        try {
            String key = front ? "back-key" : "front-key";
            String v = d.readOtherEnd(key, null);
            if (v == null) {
                throw new XenbusDriverException(XenbusErrno.EINVAL, "other end published no " + key);
            }
            negotiated.put(d.nodename(), v);
        } finally {
            leave(d);
        }
    }

    @Override
    public void disconnect(XenbusDevice d) throws Exception {
        enter("disconnect", d);
        leave(d);
    }

    @Override
    public void otherEndChanged(XenbusDevice d, XenbusState state) throws Exception {
        enter("otherEndChanged " + state, d);
        leave(d);
    }

    @Override
    public void detach(XenbusDevice d) throws Exception {
        enter("detach", d);
        leave(d);
    }
}

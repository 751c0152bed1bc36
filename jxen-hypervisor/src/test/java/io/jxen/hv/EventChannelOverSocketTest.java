package io.jxen.hv;

/** {@link EventChannelTest} with every guest behind the Unix-socket transport, as a domain in another JVM is. */
class EventChannelOverSocketTest extends EventChannelTest {

    @Override
    boolean overSocket() {
        return true;
    }
}

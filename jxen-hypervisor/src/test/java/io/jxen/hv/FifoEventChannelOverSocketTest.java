package io.jxen.hv;

/** {@link FifoEventChannelTest} with every guest behind the Unix-socket transport, as a domain in another JVM is. */
class FifoEventChannelOverSocketTest extends FifoEventChannelTest {

    @Override
    boolean overSocket() {
        return true;
    }
}

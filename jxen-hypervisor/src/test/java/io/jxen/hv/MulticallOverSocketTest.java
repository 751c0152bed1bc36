package io.jxen.hv;

/** {@link MulticallTest} with every guest behind the Unix-socket transport, as a domain in another JVM is. */
class MulticallOverSocketTest extends MulticallTest {

    @Override
    boolean overSocket() {
        return true;
    }
}

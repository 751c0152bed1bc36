package io.jxen.hv;

/** {@link TimerTest} with the guest behind the Unix-socket transport, as a domain in another JVM is. */
class TimerOverSocketTest extends TimerTest {

    @Override
    boolean overSocket() {
        return true;
    }
}

package io.jxen.hv;

/** {@link GrantTableTest} with every guest behind the Unix-socket transport, as a domain in another JVM is. */
class GrantTableOverSocketTest extends GrantTableTest {

    @Override
    boolean overSocket() {
        return true;
    }
}

package io.jxen.hv;

/** {@link GrantTableV2Test} with every guest behind the Unix-socket transport, as a domain in another JVM is. */
class GrantTableV2OverSocketTest extends GrantTableV2Test {

    @Override
    boolean overSocket() {
        return true;
    }
}

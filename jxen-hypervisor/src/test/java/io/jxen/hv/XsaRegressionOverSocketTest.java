package io.jxen.hv;

/** {@link XsaRegressionTest} with every guest behind the Unix-socket transport, as a domain in another JVM is. */
class XsaRegressionOverSocketTest extends XsaRegressionTest {

    @Override
    boolean overSocket() {
        return true;
    }
}

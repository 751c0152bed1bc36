package io.jxen.sim;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExternalPeersTest {

    @Test
    void aPresentPeerPasses() {
        assertThatCode(() -> ExternalPeers.require(true, "x")).doesNotThrowAnyException();
        assertThat(ExternalPeers.findExecutable("sh")).isNotNull();
    }

    @Test
    void aMissingPeerSkipsLocallyAndFailsUnderCi() {
        Class<? extends Throwable> expected = ExternalPeers.underCi() ? AssertionError.class : TestAbortedException.class;
        assertThatThrownBy(() -> ExternalPeers.requireExecutable("no-such-tool-jxen", "apt-get install nothing"))
                .isInstanceOf(expected)
                .hasMessageContaining("no-such-tool-jxen");
    }
}

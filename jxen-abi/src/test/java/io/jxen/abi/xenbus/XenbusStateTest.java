package io.jxen.abi.xenbus;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XenbusStateTest {

    @Test
    void everyStateRoundTripsThroughItsNumber() {
        for (XenbusState state : XenbusState.values()) {
            assertThat(XenbusState.of(state.value())).isSameAs(state);
        }
        assertThat(XenbusState.CONNECTED.value()).isEqualTo(XenbusStateValues.CONNECTED);
        assertThat(XenbusState.of(XenbusStateValues.RECONFIGURED)).isSameAs(XenbusState.RECONFIGURED);
    }

    @Test
    void unknownNumbersAreRejected() {
        assertThatThrownBy(() -> XenbusState.of(9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> XenbusState.of(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}

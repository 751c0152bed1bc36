package io.jxen.guest.xenbus;

import io.jxen.abi.xenbus.XenbusState;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import static org.assertj.core.api.Assertions.assertThat;

/** A peer's {@code state} value is hostile input: only io/xenbus.h's numbers parse. */
class XenbusStateParsingProperties {

    @Property
    void everyDefinedStateParsesToItself(@ForAll XenbusState s) {
        assertThat(DeviceRun.parseState(Integer.toString(s.value()))).isSameAs(s);
        assertThat(DeviceRun.parseState(" " + s.value() + "\n")).isSameAs(s);
    }

    @Property
    void numbersOutsideTheEnumAreGarbage(@ForAll @IntRange(min = 9, max = Integer.MAX_VALUE) int n) {
        assertThat(DeviceRun.parseState(Integer.toString(n))).isNull();
        assertThat(DeviceRun.parseState(Integer.toString(-n))).isNull();
    }

    @Property
    void anythingElseIsGarbageOrAState(@ForAll String raw) {
        XenbusState s = DeviceRun.parseState(raw);
        if (s != null) {
            assertThat(raw.trim()).matches("[0-9]{1,2}");
            assertThat(Integer.parseInt(raw.trim())).isEqualTo(s.value());
        }
    }

    @Property
    void errorTextIsPrintableAsciiAndBounded(@ForAll String message) {
        String s = DeviceRun.sanitize(message);
        assertThat(s.length()).isLessThanOrEqualTo(512);
        assertThat(s.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
    }
}

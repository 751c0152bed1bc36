package io.jxen.xenstore.store;

import io.jxen.xenstore.wire.XenstoreException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PermissionsTest {

    @Test
    void parsesLettersAndCStrtolNumbers() throws Exception {
        Permissions p = Permissions.parse(List.of("b0", "w0x5", "r 7", "n010", "r65536"));
        assertThat(p.toWire()).containsExactly("b0", "w5", "r7", "n8", "r65536");
        assertThat(p.owner()).isZero();
        for (String bad : new String[] {"", "x0", "R0", "r1x", "r"}) {
            assertThatThrownBy(() -> Permissions.parse(List.of(bad))).as(bad).isInstanceOf(XenstoreException.class);
        }
        assertThatThrownBy(() -> Permissions.parse(List.of())).isInstanceOf(XenstoreException.class);
    }

    @Test
    void rightsFollowPermForConn() throws Exception {
        Permissions p = Permissions.parse(List.of("r5", "w6", "n7", "b8"));
        assertThat(p.rightsOf(Caller.guest(5))).isEqualTo(Rights.OWNER);
        assertThat(p.rightsOf(Caller.DOM0)).isEqualTo(Rights.OWNER);
        assertThat(p.rightsOf(Caller.guest(6))).isEqualTo(new Rights(false, true, false));
        assertThat(p.rightsOf(Caller.guest(7))).isEqualTo(new Rights(false, false, false));
        assertThat(p.rightsOf(Caller.guest(8))).isEqualTo(new Rights(true, true, false));
        assertThat(p.rightsOf(Caller.guest(9))).as("default = owner's letter").isEqualTo(new Rights(true, false, false));
        assertThat(p.rightsOf(new Caller(9, false, 5))).as("SET_TARGET of the owner").isEqualTo(Rights.OWNER);
        assertThat(p.rightsOf(new Caller(9, false, 6))).isEqualTo(new Rights(false, true, false));
    }
}

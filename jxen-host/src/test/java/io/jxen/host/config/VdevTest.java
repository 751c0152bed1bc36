package io.jxen.host.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Numbers from docs/misc/vbd-interface.txt. */
class VdevTest {

    private static int n(String name) {
        return Vdev.parse(name).number();
    }

    @Test
    void xenVirtualDisks() {
        assertThat(n("xvda")).isEqualTo(51712).isEqualTo(202 << 8);
        assertThat(n("xvdb")).isEqualTo(51728);
        assertThat(n("xvda1")).isEqualTo(51713);
        assertThat(n("xvdb2")).isEqualTo(202 << 8 | 1 << 4 | 2);
        assertThat(n("xvdp15")).isEqualTo(202 << 8 | 15 << 4 | 15);
        assertThat(n("xvdq")).as("disk 16 needs the extended form").isEqualTo(1 << 28 | 16 << 8);
        assertThat(n("xvda16")).isEqualTo(1 << 28 | 16);
        assertThat(n("xvdtq37")).as("disk 536 partition 37").isEqualTo(1 << 28 | 536 << 8 | 37);
        assertThat(n("xvdaa")).isEqualTo(1 << 28 | 26 << 8);
    }

    @Test
    void dNpMForms() {
        assertThat(n("d0")).isEqualTo(n("xvda"));
        assertThat(n("d0p0")).isEqualTo(n("xvda"));
        assertThat(n("d1p2")).isEqualTo(n("xvdb2"));
        assertThat(n("d536p37")).isEqualTo(n("xvdtq37"));
    }

    @Test
    void scsiAndIde() {
        assertThat(n("sda")).isEqualTo(8 << 8);
        assertThat(n("sdb3")).isEqualTo(8 << 8 | 1 << 4 | 3);
        assertThat(n("hda")).isEqualTo(3 << 8);
        assertThat(n("hdb1")).isEqualTo(3 << 8 | 1 << 6 | 1);
        assertThat(n("hdc2")).isEqualTo(22 << 8 | 2);
        assertThat(n("hdd")).isEqualTo(22 << 8 | 1 << 6);
    }

    @Test
    void bareNumbersAreUsedAsIs() {
        assertThat(n("51712")).isEqualTo(51712);
        assertThat(n("0xca00")).isEqualTo(51712);
        assertThat(n("0145000")).isEqualTo(51712);
    }

    @Test
    void badNamesSayWhy() {
        assertThatThrownBy(() -> Vdev.parse("xvd")).hasMessageContaining("no disk letter");
        assertThatThrownBy(() -> Vdev.parse("hde")).hasMessageContaining("hda..hdd");
        assertThatThrownBy(() -> Vdev.parse("sdq")).hasMessageContaining("stop at 15");
        assertThatThrownBy(() -> Vdev.parse("xvda256")).hasMessageContaining("too large");
        assertThatThrownBy(() -> Vdev.parse("vda")).hasMessageContaining("unknown vdev 'vda'");
        assertThatThrownBy(() -> Vdev.parse("xvda01")).hasMessageContaining("bad number");
        assertThatThrownBy(() -> Vdev.parse("999999999999")).hasMessageContaining("below 2^29");
    }

    @Test
    void xenDiskNumber() {
        assertThat(Vdev.parse("xvdc").xenDisk()).isEqualTo(2);
        assertThat(Vdev.parse("xvdtq").xenDisk()).isEqualTo(536);
        assertThat(Vdev.parse("hda").xenDisk()).isEqualTo(-1);
    }
}

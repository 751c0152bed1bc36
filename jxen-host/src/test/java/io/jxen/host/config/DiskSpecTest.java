package io.jxen.host.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Examples from docs/misc/xl-disk-configuration.txt. */
class DiskSpecTest {

    private static DiskSpec p(String spec) {
        return DiskSpec.parse(spec, 1);
    }

    @Test
    void equivalentFormsOfTheSameDisk() {
        for (String spec : new String[] {"/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume,raw,hda,rw",
                "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume", "raw:/dev/vg/guest-volume,hda,w",
                "phy:/dev/vg/guest-volume,hda,w"}) {
            DiskSpec d = p(spec);
            assertThat(d.target()).as(spec).isEqualTo("/dev/vg/guest-volume");
            assertThat(d.format()).as(spec).isEqualTo("raw");
            assertThat(d.vdev().name()).as(spec).isEqualTo("hda");
            assertThat(d.readOnly()).as(spec).isFalse();
            assertThat(d.cdrom()).as(spec).isFalse();
        }
    }

    @Test
    void equivalentFormsOfACdrom() {
        for (String spec : new String[] {"/root/image.iso,,hdc,cdrom", "/root/image.iso,,hdc,,cdrom",
                "/root/image.iso,raw,hdc,devtype=cdrom", "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
                "raw:/root/image.iso,hdc:cdrom,ro"}) {
            DiskSpec d = p(spec);
            assertThat(d.target()).as(spec).isEqualTo("/root/image.iso");
            assertThat(d.vdev().number()).as(spec).isEqualTo(22 << 8);
            assertThat(d.readOnly()).as(spec).isTrue();
            assertThat(d.cdrom()).as(spec).isTrue();
            assertThat(d.deviceType()).isEqualTo("cdrom");
            assertThat(d.mode()).isEqualTo("r");
        }
    }

    @Test
    void targetConsumesTheRestCommasIncluded() {
        DiskSpec d = p("vdev=xvda, target=/srv/a,b c.img ");
        assertThat(d.target()).isEqualTo("/srv/a,b c.img ");
        assertThat(d.vdev().number()).isEqualTo(51712);
        assertThat(d.mode()).isEqualTo("w");
        assertThat(d.backendKind()).isEqualTo("vbd");
        assertThat(d.discard()).isTrue();
    }

    @Test
    void flagsAndBackendOptions() {
        DiskSpec d = p("disk.img,raw,xvdb,ro,backendtype=qdisk,no-discard,direct-io-safe");
        assertThat(d.readOnly()).isTrue();
        assertThat(d.backendType()).isEqualTo("qdisk");
        assertThat(d.backendKind()).isEqualTo("qdisk");
        assertThat(d.discard()).isFalse();
        assertThat(d.directIoSafe()).isTrue();
        assertThat(p("nbd:host:1234,xvda").script()).isEqualTo("block-nbd");
    }

    @Test
    void errorsSayWhatIsWrongAndWhatWouldBeRight() {
        assertThatThrownBy(() -> DiskSpec.parse("disk.img,raw,xvda,rx", 2))
                .hasMessage("disk spec 2: unknown access mode 'rx'; expected r, ro, w, rw");
        assertThatThrownBy(() -> p("disk.img,raw")).hasMessageContaining("disk spec 1: no vdev");
        assertThatThrownBy(() -> p("vdev=xvda")).hasMessageContaining("no target");
        assertThatThrownBy(() -> p("disk.img,,xvda,,vdev=xvdb")).hasMessage("disk spec 1: vdev given twice");
        assertThatThrownBy(() -> p("disk.img,qcow2,xvda")).hasMessageContaining("jxen serves raw images only");
        assertThatThrownBy(() -> p("disk.img,weird,xvda")).hasMessageContaining("unknown format 'weird'");
        assertThatThrownBy(() -> p("disk.img,,xvda,rw,extra")).hasMessageContaining("unexpected extra parameter 'extra'");
        assertThatThrownBy(() -> p("colour=red,disk.img,,xvda")).hasMessageContaining("unknown parameter 'colour'");
        assertThatThrownBy(() -> p("disk.img,,xvda,backendtype=tap")).hasMessageContaining("'tap' is not supported");
        assertThatThrownBy(() -> p("disk.img,,vda")).hasMessageContaining("unknown vdev 'vda'");
        assertThatThrownBy(() -> p("disk.img,,xvda,devtype=floppy")).hasMessageContaining("unknown devtype 'floppy'");
    }

    @Test
    void emptyCdromIsAllowed() {
        DiskSpec d = p(",hdc:cdrom,r");
        assertThat(d.target()).isEmpty();
        assertThat(d.cdrom()).isTrue();
    }
}

package io.jxen.host.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Arbitrary text reaches the parser: it either parses or fails with a clean ConfigException. */
class XlConfigFuzzProperties {

    /** Any throwable but ConfigException fails the property. */
    private static void parsesOrFailsCleanly(String text) {
        try {
            GuestConfig.parse("fuzz.cfg", text, null);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith("fuzz.cfg");
            assertThat(e.problem()).isNotBlank();
        }
    }

    @Property(tries = 2000)
    void anyStringAtAll(@ForAll String text) {
        parsesOrFailsCleanly(text);
    }

    @Property(tries = 3000)
    void tokenSoup(@ForAll("soup") String text) {
        parsesOrFailsCleanly(text);
    }

    @Property(tries = 3000)
    void diskSpecsFromPieces(@ForAll("diskSpecs") String spec) {
        parsesOrFailsCleanly("name = 'g'\ndisk = [ '" + spec.replace("\\", "\\\\").replace("'", "\\'") + "' ]\n");
        try {
            DiskSpec.parse(spec, 1);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("disk spec 1: ");
        }
    }

    @Property(tries = 1000)
    void vdevNamesNeverThrowAnythingElse(@ForAll("vdevs") String name) {
        try {
            Vdev v = Vdev.parse(name);
            assertThat(v.number()).isNotNegative();
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 1000)
    void xvdNamesRoundTripThroughTheirNumbers(@ForAll("disks") int disk, @ForAll("partitions") int partition) {
        StringBuilder letters = new StringBuilder();
        for (int d = disk + 1; d > 0; d = (d - 1) / 26) {
            letters.insert(0, (char) ('a' + (d - 1) % 26));
        }
        Vdev v = Vdev.parse("xvd" + letters + (partition == 0 ? "" : Integer.toString(partition)));
        assertThat(v.xenDisk()).isEqualTo(disk);
        int decodedPartition = (v.number() >>> 28) == 1 ? v.number() & 0xff : v.number() & 0xf;
        assertThat(decodedPartition).isEqualTo(partition);
        assertThat(Vdev.parse("d" + disk + "p" + partition).number()).isEqualTo(v.number());
    }

    @Provide
    Arbitrary<Integer> disks() {
        return Arbitraries.integers().between(0, (1 << 20) - 1);
    }

    @Provide
    Arbitrary<Integer> partitions() {
        return Arbitraries.integers().between(0, 255);
    }

    @Property(tries = 500)
    void wellFormedConfigsRoundTripTheirValues(@ForAll("names") String name, @ForAll("mib") long memory,
                                                @ForAll("vcpus") int vcpus) throws ConfigException {
        GuestConfig g = GuestConfig.parse("ok.cfg", "name = \"" + name + "\"\nmemory = " + memory + "\nvcpus = "
                + vcpus + "\n", null);
        assertThat(g.name()).isEqualTo(name);
        assertThat(g.memoryMib()).isEqualTo(memory);
        assertThat(g.vcpus()).isEqualTo(vcpus);
    }

    @Provide
    Arbitrary<String> soup() {
        List<String> tokens = List.of("name", "memory", "disk", "vcpus", "on_crash", "type", " ", "\t", "\n", "=",
                "+=", ";", ",", "[", "]", "'", "\"", "#", "\\", "0x", "12", "007", "'xvda'", "\"pv\"", "'restart'",
                "'a,b'", "\r", "-", "(", "é", "\0", "'\\x4", "'\\7", "Z", "_");
        return Arbitraries.of(tokens).list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Provide
    Arbitrary<String> diskSpecs() {
        List<String> parts = List.of("target=", "format=", "vdev=", "access=", "devtype=", "backendtype=", "raw",
                "qcow2", "xvda", "hdc", "sdb3", "d3p4", "ro", "rw", "rx", "cdrom", "discard", "no-discard", "phy:",
                "raw:", "tap:aio:", "/srv/a.img", "a.img", ",", ",", ",", " ", ":", "=", "nbd:", "qdisk", "tap",
                "backend=", "script=", "51712", "0x", "xvdtq37", "", "colo");
        return Arbitraries.of(parts).list().ofMaxSize(16).map(l -> String.join("", l));
    }

    @Provide
    Arbitrary<String> vdevs() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("xvdhsabpqz0123456789").ofMaxLength(12),
                Arbitraries.strings().ofMaxLength(12));
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().alpha().numeric().withChars("-_.").ofMinLength(1).ofMaxLength(30);
    }

    @Provide
    Arbitrary<Long> mib() {
        return Arbitraries.longs().between(1, GuestConfig.MAX_MEMORY_MIB);
    }

    @Provide
    Arbitrary<Integer> vcpus() {
        return Arbitraries.integers().between(1, GuestConfig.MAX_VCPUS);
    }
}

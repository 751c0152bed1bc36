package io.jxen.abi;

import io.jxen.sim.ExternalPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Proves the oracle can fail: wrong values, missing annotations and unsigned readings. */
class AbiOracleSelfTest {

    /** Fixture: one constant per case the catalog must tell apart. */
    static final class Fixture {
        @XenConstant("VIRQ_TIMER")
        public static final int ANNOTATED = 0;

        public static final int FORGOTTEN = 7;

        @XenConstant("1")
        @XenSizeof("uint8_t")
        public static final int TWICE = 1;

        @XenConstant(value = "XC_PAGE_SIZE", abi = XenAbi.X86_64)
        public static final long ONLY_64 = 4096;

        /** Not a numeric constant: ignored. */
        public static final String NAME = "x";

        /** Not final: ignored. */
        public static int notFinal = 3;

        private Fixture() {
        }
    }

    @Test
    void catalogNamesFieldsWithoutExactlyOneAnnotation() {
        AbiCatalog catalog = AbiCatalog.of(List.of(Fixture.class));

        assertThat(catalog.unchecked()).hasSize(2);
        assertThat(catalog.unchecked().get(0)).contains("Fixture.FORGOTTEN").contains("not checked by the C probe");
        assertThat(catalog.unchecked().get(1)).contains("Fixture.TWICE").contains("2 oracle annotations");
        assertThat(catalog.checks()).extracting(AbiCheck::field, AbiCheck::abi).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Fixture.class.getName() + ".ANNOTATED", XenAbi.X86_64),
                org.assertj.core.groups.Tuple.tuple(Fixture.class.getName() + ".ANNOTATED", XenAbi.X86_32),
                org.assertj.core.groups.Tuple.tuple(Fixture.class.getName() + ".ONLY_64", XenAbi.X86_64));
    }

    @Test
    void comparisonReportsAWrongValueAndAMissingOne() {
        AbiCheck right = new AbiCheck(AbiCheck.Kind.CONSTANT, "A.RIGHT", "EVTCHNOP_send", XenAbi.X86_64, 4, 32);
        AbiCheck wrong = new AbiCheck(AbiCheck.Kind.SIZEOF, "A.WRONG", "sizeof(struct shared_info)",
                XenAbi.X86_64, 3135, 32);
        AbiCheck absent = new AbiCheck(AbiCheck.Kind.OFFSETOF, "A.ABSENT", "offsetof(struct x, y)",
                XenAbi.X86_64, 0, 32);

        List<String> problems = AbiComparison.mismatches(List.of(right, wrong, absent),
                Map.of("A.RIGHT", 4L, "A.WRONG", 3136L));

        assertThat(problems).containsExactly(
                "A.WRONG [X86_64]: `sizeof(struct shared_info)` Java=3135 C=3136",
                "A.ABSENT [X86_64]: `offsetof(struct x, y)` was not printed by the C probe");
    }

    @Test
    void unsignedCValuesMatchTheSameBitsInASignedJavaField() {
        AbiCheck minusOne = new AbiCheck(AbiCheck.Kind.CONSTANT, "A.B", "0xFFFFFFFFU", XenAbi.X86_64, -1, 32);
        AbiCheck shortMask = new AbiCheck(AbiCheck.Kind.CONSTANT, "A.C", "0xFFFF", XenAbi.X86_64, -1, 16);

        assertThat(minusOne.matches(0xFFFF_FFFFL)).isTrue();
        assertThat(minusOne.matches(-1)).isTrue();
        assertThat(minusOne.matches(0x1_FFFF_FFFFL)).as("wider than an int").isFalse();
        assertThat(shortMask.matches(0xFFFF)).isTrue();
        assertThat(shortMask.matches(0xFFFF_FFFFL)).isFalse();
    }

    @Test
    void aWrongValueFailsAgainstTheRealHeaders(@TempDir Path workDir) {
        Path gcc = ExternalPeers.requireExecutable("gcc", "apt-get install gcc");
        ExternalPeers.requireFile("/usr/include/xen/xen.h", "apt-get install libxen-dev");
        List<AbiCheck> checks = List.of(
                new AbiCheck(AbiCheck.Kind.CONSTANT, "T.NR_VIRQS", "NR_VIRQS", XenAbi.X86_64, 24, 32),
                new AbiCheck(AbiCheck.Kind.SIZEOF, "T.VCPU_INFO", "sizeof(struct vcpu_info)", XenAbi.X86_64, 63, 32));

        List<String> problems = AbiComparison.mismatches(checks, CProbe.run(gcc, XenAbi.X86_64, checks, workDir));

        assertThat(problems).containsExactly("T.VCPU_INFO [X86_64]: `sizeof(struct vcpu_info)` Java=63 C=64");
    }

    @Test
    void probeSourceDefinesToolsAndPrintsEveryKey() {
        AbiCheck check = new AbiCheck(AbiCheck.Kind.CONSTANT, "io.x.Y.Z", "NR_VIRQS", XenAbi.X86_32, 24, 32);

        String source = CProbe.source(XenAbi.X86_32, List.of(check));

        assertThat(source).contains("#define __XEN_TOOLS__ 1")
                .contains("#include <xen/io/blkif.h>")
                .contains("printf(\"%s=%lld\\n\", \"io.x.Y.Z\", (long long)(NR_VIRQS));");
        assertThat(CProbe.parse("a.B=-3\nc.D=4096\n")).containsExactlyInAnyOrderEntriesOf(
                Map.of("a.B", -3L, "c.D", 4096L));
    }
}

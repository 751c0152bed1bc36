package io.jxen.abi;

import io.jxen.sim.ExternalPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ABI oracle (design.md section 4): every numeric constant of the {@code io.jxen.abi}
 * package tree must carry an oracle annotation, and every annotated value must equal what
 * gcc computes from the installed Xen 4.17 headers, for each data model.
 */
class AbiOracleTest {

    private static final String GCC_HOW = "apt-get install gcc";
    private static final String HEADERS_HOW = "apt-get install libxen-dev";
    private static final String M32_HOW = "apt-get install gcc-multilib";

    @Test
    void everyNumericConstantIsCheckedByTheCProbe() {
        AbiCatalog catalog = AbiCatalog.ofModule();

        assertThat(catalog.unchecked()).as("numeric constants the C probe does not check").isEmpty();
        assertThat(catalog.checks()).as("the scan found the module's constants").isNotEmpty();
    }

    @Test
    void everyCheckedValueEqualsTheCHeaders(@TempDir Path workDir) {
        Path gcc = ExternalPeers.requireExecutable("gcc", GCC_HOW);
        ExternalPeers.requireFile("/usr/include/xen/xen.h", HEADERS_HOW);
        ExternalPeers.requireFile("/usr/include/xenctrl.h", HEADERS_HOW);
        AbiCatalog catalog = AbiCatalog.ofModule();

        List<String> mismatches = new ArrayList<>();
        List<XenAbi> unavailable = new ArrayList<>();
        Map<XenAbi, Map<AbiCheck.Kind, Integer>> counts = new EnumMap<>(XenAbi.class);
        for (XenAbi abi : XenAbi.values()) {
            // gcc and the headers are there, so -m64 must work (a failure shows gcc's output);
            // -m32 also needs multilib support, whose absence is a missing peer, reported last.
            if (abi != XenAbi.X86_64 && !CProbe.canCompile(gcc, abi, workDir)) {
                unavailable.add(abi);
                continue;
            }
            List<AbiCheck> checks = catalog.checksFor(abi);
            mismatches.addAll(AbiComparison.mismatches(checks, CProbe.run(gcc, abi, checks, workDir)));
            Map<AbiCheck.Kind, Integer> perKind = new EnumMap<>(AbiCheck.Kind.class);
            checks.forEach(c -> perKind.merge(c.kind(), 1, Integer::sum));
            counts.put(abi, perKind);
        }
        System.out.println(summary(counts));

        assertThat(mismatches).as("Java values that differ from the Xen headers:%n  %s",
                String.join("\n  ", mismatches)).isEmpty();
        for (XenAbi abi : unavailable) {
            ExternalPeers.require(false, "gcc " + CProbe.machineFlag(abi) + " with the Xen headers, for the "
                    + abi + " checks (" + M32_HOW + ", " + HEADERS_HOW + ")");
        }
    }

    /** One line per abi: how many constants, sizes and offsets were compared. */
    static String summary(Map<XenAbi, Map<AbiCheck.Kind, Integer>> counts) {
        StringBuilder s = new StringBuilder("ABI oracle:");
        counts.forEach((abi, perKind) -> s.append(String.format("%n  %-6s constants=%d sizeof=%d offsetof=%d", abi,
                perKind.getOrDefault(AbiCheck.Kind.CONSTANT, 0), perKind.getOrDefault(AbiCheck.Kind.SIZEOF, 0),
                perKind.getOrDefault(AbiCheck.Kind.OFFSETOF, 0))));
        return s.toString();
    }
}

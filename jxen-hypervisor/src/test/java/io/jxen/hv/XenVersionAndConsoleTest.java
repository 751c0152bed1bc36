package io.jxen.hv;

import io.jxen.abi.Hypercall;
import io.jxen.abi.XenErrno;
import io.jxen.abi.version.XenFeat;
import io.jxen.abi.version.XenVer;
import io.jxen.abi.xen.ConsoleIo;
import io.jxen.hv.domain.Domain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code xen_version} and {@code console_io} as a guest sees them. */
class XenVersionAndConsoleTest {

    @TempDir
    Path dir;
    TestHost host;
    TestHost.Guest g0;
    TestHost.Guest gU;
    final List<String> console = new ArrayList<>();

    @BeforeEach
    void setUp() {
        host = new TestHost(dir);
        host.hv.setConsole(console::add);
        Domain dom0 = host.domain(16, 1);
        Domain domU = host.domain(16, 1);
        g0 = host.guest(dom0);
        gU = host.guest(domU);
    }

    @AfterEach
    void tearDown() {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    String string(TestHost.Guest g, int length) {
        byte[] b = g.mem().read(TestHost.Guest.ARG, length);
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.US_ASCII);
    }

    @Test
    void versionStringsAndPageSize() {
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.VERSION, 0)).isEqualTo(0x40011);
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.EXTRAVERSION, TestHost.Guest.ARG)).isZero();
        assertThat(string(gU, 16)).isEqualTo("-jxen");
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.CAPABILITIES, TestHost.Guest.ARG)).isZero();
        assertThat(string(gU, 1024)).isEqualTo("xen-3.0-x86_64");
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.PAGESIZE, 0)).isEqualTo(4096);
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.PAGESIZE, TestHost.Guest.ARG))
                .isEqualTo(-XenErrno.EINVAL);
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.COMPILE_INFO, TestHost.Guest.ARG)).isZero();
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.CHANGESET, 1L << 40)).isEqualTo(-XenErrno.EFAULT);
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, 99, 0)).isEqualTo(-XenErrno.ENOSYS);
    }

    @Test
    void featuresSayAutoTranslatedAndDom0() {
        gU.mem().putInt(TestHost.Guest.ARG, 0);
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.GET_FEATURES, TestHost.Guest.ARG)).isZero();
        int submap = gU.mem().getInt(TestHost.Guest.ARG + 4);
        assertThat(submap & (1 << XenFeat.AUTO_TRANSLATED_PHYSMAP)).isNotZero();
        assertThat(submap & (1 << XenFeat.DOM0)).isZero();
        g0.mem().putInt(TestHost.Guest.ARG, 0);
        g0.hc().hypercall(Hypercall.XEN_VERSION, XenVer.GET_FEATURES, TestHost.Guest.ARG);
        assertThat(g0.mem().getInt(TestHost.Guest.ARG + 4) & (1 << XenFeat.DOM0)).isNotZero();
        gU.mem().putInt(TestHost.Guest.ARG, 1);
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.GET_FEATURES, TestHost.Guest.ARG))
                .isEqualTo(-XenErrno.EINVAL);
    }

    @Test
    void privilegedInformationIsDenied() {
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.COMMANDLINE, TestHost.Guest.ARG)).isZero();
        assertThat(string(gU, 16)).isEqualTo("<denied>");
        assertThat(gU.hc().hypercall(Hypercall.XEN_VERSION, XenVer.BUILD_ID, TestHost.Guest.ARG))
                .isEqualTo(-XenErrno.EPERM);
    }

    @Test
    void onlyDom0WritesTheHypervisorConsole() {
        byte[] text = "hello from dom0".getBytes(StandardCharsets.UTF_8);
        g0.mem().write(TestHost.Guest.ARG, text);
        assertThat(g0.hc().hypercall(Hypercall.CONSOLE_IO, ConsoleIo.WRITE, text.length, TestHost.Guest.ARG)).isZero();
        assertThat(console).containsExactly("hello from dom0");
        gU.mem().write(TestHost.Guest.ARG, text);
        assertThat(gU.hc().hypercall(Hypercall.CONSOLE_IO, ConsoleIo.WRITE, text.length, TestHost.Guest.ARG))
                .isEqualTo(-XenErrno.EPERM);
        assertThat(g0.hc().hypercall(Hypercall.CONSOLE_IO, ConsoleIo.WRITE, 1 << 20, TestHost.Guest.ARG))
                .isEqualTo(-XenErrno.EINVAL);
        assertThat(g0.hc().hypercall(Hypercall.CONSOLE_IO, ConsoleIo.WRITE, 100, 1L << 40)).isEqualTo(-XenErrno.EFAULT);
        assertThat(g0.hc().hypercall(Hypercall.CONSOLE_IO, 7, 0, 0)).isEqualTo(-XenErrno.ENOSYS);
        assertThat(console).hasSize(1);
    }
}

package io.jxen.host.toolstack;

import io.jxen.abi.XenPage;
import io.jxen.abi.gnttab.GrantEntryV1Flyweight;
import io.jxen.abi.gnttab.GrantTableLimits;
import io.jxen.abi.gnttab.Gtf;
import io.jxen.abi.xen.StartInfoFlyweight;
import io.jxen.host.config.GuestConfig;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.evtchn.ChannelState;
import io.jxen.hypercall.GuestPhysicalMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Builds a domain on a real hypervisor and xenstored and reads back what a guest and dom0 see. */
class DomainBuilderTest {

    /** The config with its two images under {@code dir}. */
    String cfg() throws java.io.IOException {
        java.nio.file.Files.createFile(dir.resolve("web.img"));
        java.nio.file.Files.createFile(dir.resolve("data.img"));
        return CFG.replace("/srv/", dir + "/");
    }

    static final String CFG = """
            name = "web"
            uuid = "6c7b9a2e-1f0d-4c3b-8a59-0d2e4f6a8b1c"
            memory = 4
            maxmem = 8
            vcpus = 2
            maxvcpus = 3
            disk = [ 'format=raw, vdev=xvda, access=rw, target=/srv/web.img',
                     '/srv/data.img,raw,xvdb,ro' ]
            extra = "console=hvc0 quiet"
            """;

    @TempDir
    Path dir;
    ToolstackFixture host;

    @BeforeEach
    void setUp() throws Exception {
        host = new ToolstackFixture(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        assertThat(host.hv.internalErrors()).isZero();
        host.close();
    }

    @Test
    void startInfoHoldsTheRingsPortsAndCommandLine() throws Exception {
        int domid = host.toolstack.create(GuestConfig.parse("web.cfg", cfg(), null), true);
        assertThat(domid).isEqualTo(1);
        DomainRecord r = host.toolstack.record(domid);
        Domain d = host.hv.byId(domid);
        GuestPhysicalMemory mem = host.hv.platform(domid).memory();
        StartInfoFlyweight si = new StartInfoFlyweight().wrap(mem.page(d.startInfoGfn()), 0);

        assertThat(si.getMagic()).isEqualTo("xen-3.0-x86_64");
        assertThat(si.getNrPages()).isEqualTo(4 * 256);
        assertThat(si.getSharedInfo()).isEqualTo(d.sharedInfoGfn() << XenPage.SHIFT);
        assertThat(si.getFlags()).isZero();
        assertThat(si.getStoreMfn()).isEqualTo(r.storeGfn()).isEqualTo(d.startInfoGfn() - 1);
        assertThat(si.getStoreEvtchn()).isEqualTo(r.storePort());
        assertThat(si.getConsoleMfn()).isEqualTo(r.consoleGfn()).isEqualTo(d.startInfoGfn() - 2);
        assertThat(si.getConsoleEvtchn()).isEqualTo(r.consolePort());
        assertThat(si.getCmdLine()).isEqualTo("console=hvc0 quiet");
        assertThat(d.vcpuCount()).as("created with maxvcpus").isEqualTo(3);
        assertThat(d.paused()).isTrue();

        for (int port : new int[] {r.storePort(), r.consolePort()}) {
            assertThat(d.eventChannels().state(port)).isEqualTo(ChannelState.UNBOUND);
            assertThat(d.eventChannels().remoteDomid(port)).as("unbound for dom0").isZero();
        }
        assertThat(r.storePort()).isNotEqualTo(r.consolePort());
        assertThat(mem.read(r.storeGfn() << XenPage.SHIFT, 4096)).containsOnly(0);
    }

    @Test
    void reservedGrantEntriesGiveDom0TheTwoRings() throws Exception {
        int domid = host.toolstack.create(GuestConfig.parse("web.cfg", cfg(), null), true);
        DomainRecord r = host.toolstack.record(domid);
        Domain d = host.hv.byId(domid);
        MemorySegment frame = host.hv.host().memory().frame(d.grantTable().frameMfn(0));
        GrantEntryV1Flyweight e = new GrantEntryV1Flyweight();
        e.wrap(frame, GrantTableLimits.RESERVED_XENSTORE * 8L);
        assertThat(e.getFlagsAcquire()).isEqualTo(Gtf.PERMIT_ACCESS);
        assertThat(e.getDomid()).isZero();
        assertThat(e.getFrame()).isEqualTo((int) r.storeGfn());
        e.wrap(frame, GrantTableLimits.RESERVED_CONSOLE * 8L);
        assertThat(e.getFrame()).isEqualTo((int) r.consoleGfn());
    }

    @Test
    void theDomainsXenstoreTreeAndItsPermissions() throws Exception {
        int n = host.toolstack.create(GuestConfig.parse("web.cfg", cfg(), null), true);
        DomainRecord r = host.toolstack.record(n);
        var xs = host.xs;
        String dom = "/local/domain/" + n;
        String vm = "/vm/6c7b9a2e-1f0d-4c3b-8a59-0d2e4f6a8b1c";
        List<String> ro = List.of("n0", "r" + n);
        List<String> rw = List.of("n" + n);

        assertThat(xs.read("/local/domain/0/name")).isEqualTo("Domain-0");
        assertThat(xs.read(dom + "/name")).isEqualTo("web");
        assertThat(xs.read(dom + "/domid")).isEqualTo(Integer.toString(n));
        assertThat(xs.read(dom + "/vm")).isEqualTo(vm);
        assertThat(xs.getPerms(dom)).isEqualTo(ro);
        assertThat(xs.read(vm + "/uuid")).isEqualTo("6c7b9a2e-1f0d-4c3b-8a59-0d2e4f6a8b1c");
        assertThat(xs.read(vm + "/name")).isEqualTo("web");
        assertThat(xs.getPerms(vm)).isEqualTo(ro);
        assertThat(xs.read(vm + "/start_time")).isEqualTo("0.00");
        assertThat(xs.read(vm + "/image/ostype")).isEqualTo("linux");
        assertThat(xs.read(vm + "/image/cmdline")).isEqualTo("console=hvc0 quiet");
        assertThat(xs.getPerms("/libxl/" + n)).isEqualTo(List.of("n0"));
        assertThat(xs.read("/libxl/" + n + "/type")).isEqualTo("pv");
        assertThat(xs.read("/libxl/" + n + "/device/vbd/51712/frontend")).isEqualTo(dom + "/device/vbd/51712");
        assertThat(xs.read("/libxl/" + n + "/device/vbd/51712/backend"))
                .isEqualTo("/local/domain/0/backend/vbd/" + n + "/51712");
        assertThat(xs.read("/libxl/" + n + "/device/console/0/frontend")).isEqualTo(dom + "/console");
        assertThat(xs.read(dom + "/memory/target")).isEqualTo("4096");
        assertThat(xs.read(dom + "/memory/static-max")).isEqualTo("8192");
        assertThat(xs.read(dom + "/cpu/0/availability")).isEqualTo("online");
        assertThat(xs.read(dom + "/cpu/1/availability")).isEqualTo("online");
        assertThat(xs.read(dom + "/cpu/2/availability")).isEqualTo("offline");
        assertThat(xs.getPerms(dom + "/cpu/2/availability")).isEqualTo(ro);
        assertThat(xs.read(dom + "/store/port")).isEqualTo(Integer.toString(r.storePort()));
        assertThat(xs.read(dom + "/store/ring-ref")).isEqualTo(Long.toString(r.storeGfn()));
        assertThat(xs.getPerms(dom + "/control")).isEqualTo(ro);
        assertThat(xs.read(dom + "/control/platform-feature-xs_reset_watches")).isEqualTo("1");
        for (String node : List.of("control/shutdown", "control/feature-poweroff", "control/feature-reboot",
                "control/feature-suspend", "control/sysrq", "data", "drivers", "feature", "attr", "error",
                "device/suspend/event-channel")) {
            assertThat(xs.read(dom + "/" + node)).as(node).isEmpty();
            assertThat(xs.getPerms(dom + "/" + node)).as(node).isEqualTo(rw);
        }
        assertThat(xs.getPerms(dom + "/device")).isEqualTo(ro);

        // the primary console
        String cons = dom + "/console";
        assertThat(xs.getPerms(cons)).isEqualTo(List.of("n" + n, "r0"));
        assertThat(xs.read(cons + "/ring-ref")).isEqualTo(Long.toString(r.consoleGfn()));
        assertThat(xs.getPerms(cons + "/ring-ref")).isEqualTo(ro);
        assertThat(xs.read(cons + "/port")).isEqualTo(Integer.toString(r.consolePort()));
        assertThat(xs.getPerms(cons + "/port")).isEqualTo(ro);
        assertThat(xs.read(cons + "/type")).isEqualTo("xenconsoled");
        assertThat(xs.read(cons + "/limit")).isEqualTo("1048576");
        assertThat(xs.read(cons + "/backend")).isEqualTo("/local/domain/0/backend/console/" + n + "/0");
        assertThat(xs.read("/local/domain/0/backend/console/" + n + "/0/frontend")).isEqualTo(cons);
        assertThat(xs.read("/local/domain/0/backend/console/" + n + "/0/state")).isEqualTo("1");

        // the two vbds, both ends
        String fe = dom + "/device/vbd/51712";
        String be = "/local/domain/0/backend/vbd/" + n + "/51712";
        assertThat(xs.getPerms(fe)).isEqualTo(List.of("n" + n, "r0"));
        assertThat(xs.read(fe + "/backend")).isEqualTo(be);
        assertThat(xs.read(fe + "/backend-id")).isEqualTo("0");
        assertThat(xs.read(fe + "/state")).isEqualTo("1");
        assertThat(xs.read(fe + "/virtual-device")).isEqualTo("51712");
        assertThat(xs.read(fe + "/device-type")).isEqualTo("disk");
        assertThat(xs.getPerms(fe + "/state")).isEqualTo(List.of("n" + n, "r0"));
        assertThat(xs.getPerms(be)).isEqualTo(ro);
        assertThat(xs.read(be + "/frontend")).isEqualTo(fe);
        assertThat(xs.read(be + "/frontend-id")).isEqualTo(Integer.toString(n));
        assertThat(xs.read(be + "/params")).isEqualTo(dir + "/web.img");
        assertThat(xs.read(be + "/mode")).isEqualTo("w");
        assertThat(xs.read(be + "/type")).isEqualTo("phy");
        assertThat(xs.read(be + "/online")).isEqualTo("1");
        assertThat(xs.read(be + "/state")).isEqualTo("1");
        assertThat(xs.read(be + "/dev")).isEqualTo("xvda");
        assertThat(xs.getPerms(be + "/state")).isEqualTo(ro);
        String be2 = "/local/domain/0/backend/vbd/" + n + "/51728";
        assertThat(xs.read(be2 + "/mode")).isEqualTo("r");
        assertThat(xs.read(be2 + "/params")).isEqualTo(dir + "/data.img");
        assertThat(xs.read(dom + "/device/vbd/51728/virtual-device")).isEqualTo("51728");
        assertThat(r.devices()).extracting(DomainRecord.Device::devid).containsExactly(0, 51712, 51728);
    }

    /**
     * xl.cfg {@code backend="dd"}: the backend half lives under the driver domain, owned by it,
     * the frontend readable by it; destroying the guest removes it there. Destroying and
     * creating the driver domain again brings back its id, the backend half (Closed: nothing
     * serves the ring yet) and its read access to the frontend's nodes, which xenstored dropped
     * with the dead domain (XSA-322). A backend naming no domain is refused.
     */
    @Test
    void aDiskServedByADriverDomainAndTheDriverDomainsRestart() throws Exception {
        java.nio.file.Files.createFile(dir.resolve("g.img"));
        GuestConfig ddCfg = GuestConfig.parse("dd.cfg", "name='dd'\nmemory=4\n", null);
        GuestConfig gCfg = GuestConfig.parse("g.cfg", "name='g'\nmemory=4\ndisk=['format=raw, vdev=xvda, backend=dd, target="
                + dir.resolve("g.img") + "']\n", null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> host.toolstack.create(gCfg))
                .hasMessage("g: disk spec 1: backend domain 'dd' does not exist; create the driver domain first");
        int dd = host.toolstack.create(ddCfg);
        int g = host.toolstack.create(gCfg);
        var xs = host.xs;
        String fe = "/local/domain/" + g + "/device/vbd/51712";
        String be = "/local/domain/" + dd + "/backend/vbd/" + g + "/51712";
        assertThat(xs.read(fe + "/backend")).isEqualTo(be);
        assertThat(xs.read(fe + "/backend-id")).isEqualTo(Integer.toString(dd));
        assertThat(xs.getPerms(fe)).isEqualTo(List.of("n" + g, "r" + dd));
        assertThat(xs.getPerms(be)).isEqualTo(List.of("n" + dd, "r" + g));
        assertThat(xs.read(be + "/state")).isEqualTo("1");
        assertThat(xs.read("/libxl/" + g + "/device/vbd/51712/backend")).isEqualTo(be);
        assertThat(host.toolstack.record(g).devices().get(1).backendDomid()).isEqualTo(dd);
        xs.write(fe + "/ring-ref", "8"); // what the frontend writes (inherits the directory's permissions)

        host.toolstack.destroy(dd);
        assertThat(xs.directory("/local/domain")).doesNotContain(Integer.toString(dd));
        assertThat(host.toolstack.create(ddCfg)).as("the driver domain takes back its id").isEqualTo(dd);
        assertThat(xs.read(be + "/state")).isEqualTo("6");
        assertThat(xs.read(be + "/frontend")).isEqualTo(fe);
        assertThat(xs.getPerms(be)).isEqualTo(List.of("n" + dd, "r" + g));
        assertThat(xs.getPerms(fe)).isEqualTo(List.of("n" + g, "r" + dd));
        assertThat(xs.getPerms(fe + "/ring-ref")).isEqualTo(List.of("n" + g, "r" + dd));

        host.toolstack.destroy(g);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> xs.read("/local/domain/" + dd + "/backend/vbd/" + g))
                .isInstanceOf(io.jxen.xenstore.wire.XenstoreException.class);
        host.toolstack.destroy(dd);
        assertThat(host.hv.domids()).containsExactly(0);
    }

    /** A {@code jvm:} kernel that is no class name is refused at boot, and the domain goes again. */
    @Test
    void aJvmKernelThatIsNoClassNameIsRefusedAndNothingIsKept() throws Exception {
        try (JvmKernels kernels = new JvmKernels(host.hv, dir)) {
            host.toolstack.setJvmKernels(kernels);
            GuestConfig bad = GuestConfig.parse("k.cfg", "name='k'\nmemory=4\nkernel='jvm:not a class; rm -rf /'\n", null);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> host.toolstack.create(bad))
                    .isInstanceOf(ToolstackException.class).hasMessageContaining("is not a Java class name");
            assertThat(host.hv.domids()).containsExactly(0);
            assertThat(host.toolstack.guests()).isEmpty();
            assertThat(JvmKernels.mainClass("jvm:a.B")).isEqualTo("a.B");
            assertThat(JvmKernels.mainClass("/boot/vmlinuz")).isNull();
        }
    }

    @Test
    void aMissingImageIsReportedBeforeAnythingIsBuilt() throws Exception {
        GuestConfig g = GuestConfig.parse("g.cfg", "name='g'\ndisk=['/nonexistent/g.img,,xvda']\n", null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> host.toolstack.create(g))
                .hasMessage("g: disk spec 1: target /nonexistent/g.img does not exist; create the image first"
                        + " (e.g. truncate -s 64M /nonexistent/g.img)");
        assertThat(host.hv.domids()).containsExactly(0);
    }

    @Test
    void hvmGetsThePlatformTimersWithLibxlsTimerModeAndPvhDoesNot() throws Exception {
        int hvm = host.toolstack.create(GuestConfig.parse("g.cfg", "name='g'\ntype='hvm'\nmemory=8\n", null));
        var timers = host.hv.hvmTimers(host.hv.byId(hvm));
        assertThat(timers).isNotNull();
        assertThat(timers.getParam(io.jxen.abi.hvm.HvmParam.TIMER_MODE))
                .isEqualTo(io.jxen.abi.hvm.HvmTimerMode.NO_DELAY_FOR_MISSED_TICKS);
        // The guest finds an HPET at 0xfed00000 (capabilities 0x8086a201, 16 ns).
        assertThat(host.hv.cpu(hvm, 0).mmioRead(0xFED0_0000L, 8)).isEqualTo(0x00F4_2400_8086_A201L);
        int pvh = host.toolstack.create(GuestConfig.parse("h.cfg", "name='h'\ntype='pvh'\nmemory=8\n", null));
        assertThat(host.hv.hvmTimers(host.hv.byId(pvh))).isNull();
        assertThat(host.hv.cpu(pvh, 0).mmioRead(0xFED0_0000L, 8)).isEqualTo(-1L);
    }

    @Test
    void xlCfgTimerModeReachesHvmParamTimerMode() throws Exception {
        int named = host.toolstack.create(GuestConfig.parse("g.cfg",
                "name='g'\ntype='hvm'\nmemory=8\ntimer_mode='one_missed_tick_pending'\n", null));
        assertThat(host.hv.hvmTimers(host.hv.byId(named)).getParam(io.jxen.abi.hvm.HvmParam.TIMER_MODE))
                .isEqualTo(io.jxen.abi.hvm.HvmTimerMode.ONE_MISSED_TICK_PENDING);
        int numbered = host.toolstack.create(GuestConfig.parse("h.cfg",
                "name='h'\ntype='hvm'\nmemory=8\ntimer_mode=0\n", null));
        assertThat(host.hv.hvmTimers(host.hv.byId(numbered)).getParam(io.jxen.abi.hvm.HvmParam.TIMER_MODE))
                .isEqualTo(io.jxen.abi.hvm.HvmTimerMode.DELAY_FOR_MISSED_TICKS);
    }

    @Test
    void tooLittleHostMemoryFailsCleanlyAndKeepsNothing() throws Exception {
        long freeBefore = host.hv.host().allocator().freeFrames();
        GuestConfig big = GuestConfig.parse("big.cfg", "name='big'\nmemory=1024\n", null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> host.toolstack.create(big))
                .isInstanceOf(ToolstackException.class).hasMessageContaining("not enough host memory for big");
        assertThat(host.hv.domids()).containsExactly(0);
        assertThat(host.hv.host().allocator().freeFrames()).isEqualTo(freeBefore);
        assertThat(host.children("/local/domain")).containsExactly("0");
        assertThat(host.children("/vm")).isEmpty();
    }
}

package io.jxen.host.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuestConfigTest {

    @TempDir
    Path dir;

    @Test
    void typedValuesAndXlDefaults() throws ConfigException {
        GuestConfig g = GuestConfig.parse("g.cfg", "name = 'g'\n", null);
        assertThat(g.name()).isEqualTo("g");
        assertThat(g.memoryMib()).isEqualTo(32);
        assertThat(g.maxMemMib()).isEqualTo(32);
        assertThat(g.memoryPages()).isEqualTo(32 * 256);
        assertThat(g.vcpus()).isEqualTo(1);
        assertThat(g.maxVcpus()).isEqualTo(1);
        assertThat(g.type()).isEqualTo(DomainType.PV);
        assertThat(g.onPoweroff()).isEqualTo(LifecycleAction.DESTROY);
        assertThat(g.onReboot()).isEqualTo(LifecycleAction.RESTART);
        assertThat(g.onCrash()).isEqualTo(LifecycleAction.DESTROY);
        assertThat(g.onWatchdog()).isEqualTo(LifecycleAction.DESTROY);
        assertThat(g.disks()).isEmpty();
        assertThat(g.cmdline()).isEmpty();
    }

    @Test
    void everyKey() throws ConfigException {
        GuestConfig g = GuestConfig.parse("g.cfg", """
                name = "web"
                uuid = "6c7b9a2e-1f0d-4c3b-8a59-0d2e4f6a8b1c"
                type = "pvh"
                memory = 64
                maxmem = 128
                vcpus = 2
                maxvcpus = 4
                disk = [ 'format=raw, vdev=xvda, access=rw, target=/srv/web.img' ]
                on_poweroff = "preserve"
                on_reboot = "rename-restart"
                on_crash = "coredump-restart"
                on_watchdog = "soft-reset"
                root = "/dev/xvda1"
                extra = "console=hvc0"
                """, null);
        assertThat(g.uuid()).isEqualTo(UUID.fromString("6c7b9a2e-1f0d-4c3b-8a59-0d2e4f6a8b1c"));
        assertThat(g.type()).isEqualTo(DomainType.PVH);
        assertThat(g.maxMemoryPages()).isEqualTo(128 * 256);
        assertThat(g.maxVcpus()).isEqualTo(4);
        assertThat(g.disks()).hasSize(1);
        assertThat(g.onPoweroff()).isEqualTo(LifecycleAction.PRESERVE);
        assertThat(g.onReboot()).isEqualTo(LifecycleAction.RENAME_RESTART);
        assertThat(g.onCrash()).isEqualTo(LifecycleAction.COREDUMP_RESTART);
        assertThat(g.onWatchdog()).isEqualTo(LifecycleAction.SOFT_RESET);
        assertThat(g.cmdline()).isEqualTo("root=/dev/xvda1 console=hvc0");
        assertThat(GuestConfig.parse("g", "name='x'\ncmdline='a b'\nextra='c'\n", null).cmdline()).isEqualTo("a b");
    }

    @Test
    void timerModeIsLibxlsNameOrNumberAndDefaultsToNoDelay() throws ConfigException {
        assertThat(GuestConfig.parse("g.cfg", "name='g'\n", null).timerMode())
                .isEqualTo(XlTimerMode.NO_DELAY_FOR_MISSED_TICKS);
        String[][] cases = {
                {"'delay_for_missed_ticks'", "DELAY_FOR_MISSED_TICKS"},
                {"\"no_delay_for_missed_ticks\"", "NO_DELAY_FOR_MISSED_TICKS"},
                {"'No_Missed_Ticks_Pending'", "NO_MISSED_TICKS_PENDING"},
                {"'one_missed_tick_pending'", "ONE_MISSED_TICK_PENDING"},
                {"0", "DELAY_FOR_MISSED_TICKS"},
                {"1", "NO_DELAY_FOR_MISSED_TICKS"},
                {"2", "NO_MISSED_TICKS_PENDING"},
                {"0x3", "ONE_MISSED_TICK_PENDING"},
        };
        for (String[] c : cases) {
            GuestConfig g = GuestConfig.parse("g.cfg", "name='g'\ntype='hvm'\ntimer_mode=" + c[0] + "\n", null);
            assertThat(g.timerMode()).as(c[0]).isEqualTo(XlTimerMode.valueOf(c[1]));
        }
        assertThat(XlTimerMode.ONE_MISSED_TICK_PENDING.param())
                .isEqualTo(io.jxen.abi.hvm.HvmTimerMode.ONE_MISSED_TICK_PENDING);
    }

    @Test
    void aBadTimerModeNamesTheFileAndLine() {
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "name='a'\ntype='hvm'\ntimer_mode='fast'\n", null))
                .isInstanceOf(ConfigException.class)
                .hasMessage("g.cfg:3: unknown timer_mode 'fast'; expected delay_for_missed_ticks, "
                        + "no_delay_for_missed_ticks, no_missed_ticks_pending, one_missed_tick_pending, or 0..3");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "name='a'\ntimer_mode=4\n", null))
                .hasMessageStartingWith("g.cfg:2: unknown timer_mode '4'");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "name='a'\ntimer_mode='-1'\n", null))
                .hasMessageStartingWith("g.cfg:2: unknown timer_mode '-1'");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "name='a'\ntimer_mode=['delay_for_missed_ticks']\n", null))
                .hasMessageStartingWith("g.cfg:2: 'timer_mode' is a list");
    }

    @Test
    void errorsNameTheFileAndLine() {
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "memory = 4\n", null))
                .hasMessage("g.cfg: no 'name' is set; every domain needs name = \"...\"");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "name='a'\non_crash='explode'\n", null))
                .hasMessageStartingWith("g.cfg:2: unknown on_crash action 'explode'; expected destroy, restart");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "name='a'\ntype='xen'\n", null))
                .hasMessage("g.cfg:2: unknown type 'xen'; expected pv, pvh, hvm");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "name='a'\nvcpus=4\nmaxvcpus=2\n", null))
                .hasMessage("g.cfg:3: 'maxvcpus' is 2; expected 4..128");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "name='a'\nmemory=0\n", null))
                .hasMessageStartingWith("g.cfg:2: 'memory' is 0; expected 1..");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg", "name='a'\nuuid='nope'\n", null))
                .hasMessageStartingWith("g.cfg:2: 'uuid' is 'nope'");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg",
                "name='a'\ndisk = [ 'a.img,,xvda',\n  'b.img,raw,xvdb,rx' ]\n", null))
                .hasMessage("g.cfg:3: disk spec 2: unknown access mode 'rx'; expected r, ro, w, rw");
        assertThatThrownBy(() -> GuestConfig.parse("g.cfg",
                "name='a'\ndisk = [ 'a.img,,xvda', 'b.img,,51712' ]\n", null))
                .hasMessageContaining("disk spec 2: vdev 51712 (51712) is already used by another disk");
    }

    @Test
    void relativeTargetsAreResolvedAgainstTheFilesDirectory() throws Exception {
        Path cfg = dir.resolve("g.cfg");
        Files.writeString(cfg, "name = 'g'\ndisk = [ 'vdev=xvda, target=images/g.img', '/abs.img,,xvdb' ]\n");
        GuestConfig g = GuestConfig.load(cfg);
        assertThat(g.disks().get(0).target()).isEqualTo(dir.toAbsolutePath().resolve("images/g.img").toString());
        assertThat(g.disks().get(1).target()).isEqualTo("/abs.img");
        assertThatThrownBy(() -> GuestConfig.load(dir.resolve("missing.cfg")))
                .hasMessageContaining("missing.cfg: cannot read the configuration file");
        Files.write(dir.resolve("bin.cfg"), new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        assertThatThrownBy(() -> GuestConfig.load(dir.resolve("bin.cfg"))).hasMessageContaining("not a text file");
    }

    @Test
    void theShippedExampleParses() throws ConfigException {
        Path example = Path.of("..", "examples", "guest.cfg");
        GuestConfig g = GuestConfig.load(example);
        assertThat(g.type()).isEqualTo(DomainType.PV);
        assertThat(g.disks()).hasSize(1);
        assertThat(g.disks().getFirst().vdev().number()).isEqualTo(51712);
        assertThat(g.disks().getFirst().format()).isEqualTo("raw");
    }
}

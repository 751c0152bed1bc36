package io.jxen.host.toolstack;

import io.jxen.host.config.GuestConfig;
import io.jxen.hv.domain.ShutdownReason;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences of xl verbs and guest shutdowns keep the store, the hypervisor and the
 * toolstack's records in agreement, and destroying everything leaves nothing behind.
 */
class ToolstackLifecycleProperties {

    /** One step: {@code op} on the guest picked by {@code pick}. */
    record Step(int op, int pick, ShutdownReason reason) {
    }

    static final String[] ACTIONS = {"destroy", "restart", "preserve", "rename-restart", "coredump-destroy"};

    @Property(tries = 60)
    void theStoreTheHypervisorAndTheRecordsAgree(@ForAll("stepLists") List<Step> steps)
            throws Exception {
        Path dir = Files.createTempDirectory("toolstack-prop");
        try (ToolstackFixture host = new ToolstackFixture(dir)) {
            long freeFrames = host.hv.host().allocator().freeFrames();
            int dom0Ports = host.hv.byId(0).eventChannels().validPorts();
            int created = 0;
            for (Step s : steps) {
                List<Integer> guests = host.toolstack.guests();
                int target = guests.isEmpty() ? -1 : guests.get(s.pick() % guests.size());
                switch (s.op()) {
                    case 0 -> {
                        String action = ACTIONS[s.pick() % ACTIONS.length];
                        Path image = dir.resolve("g" + created + ".img");
                        Files.createFile(image);
                        GuestConfig cfg = GuestConfig.parse("g.cfg", "name = 'g" + created + "'\nmemory = 1\n"
                                + "disk = [ '" + image + ",,xvda' ]\non_poweroff = '" + action + "'\non_reboot = '"
                                + action + "'\non_crash = '" + action + "'\n", null);
                        created++;
                        host.toolstack.create(cfg, s.pick() % 2 == 0);
                    }
                    case 1 -> {
                        if (target > 0) {
                            host.toolstack.destroy(target);
                        }
                    }
                    case 2 -> {
                        if (target > 0 && host.hv.byId(target).shutdownReason() == null) {
                            host.guestShutsDown(target, s.reason());
                        }
                    }
                    case 3 -> host.toolstack.doWork();
                    default -> {
                        if (target > 0) {
                            host.toolstack.pause(target);
                        }
                    }
                }
                host.toolstack.doWork();
                assertAgreement(host);
            }
            for (int domid : host.toolstack.guests()) {
                host.toolstack.destroy(domid);
            }
            host.toolstack.doWork();
            assertThat(host.hv.domids()).containsExactly(0);
            assertThat(host.hv.host().allocator().freeFrames()).isEqualTo(freeFrames);
            assertThat(host.hv.byId(0).eventChannels().validPorts()).isEqualTo(dom0Ports);
            assertThat(host.children("/local/domain")).containsExactly("0");
            assertThat(host.children("/vm")).isEmpty();
            assertThat(host.children("/libxl")).isEmpty();
            assertThat(host.children("/local/domain/0/backend/vbd")).isEmpty();
            assertThat(host.xenstored.core().checkStore()).isEmpty();
            assertThat(host.hv.internalErrors()).isZero();
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void assertAgreement(ToolstackFixture host) throws Exception {
        List<Integer> guests = host.toolstack.guests();
        Set<String> homes = new HashSet<>();
        homes.add("0");
        Set<String> names = new HashSet<>();
        for (int domid : guests) {
            homes.add(Integer.toString(domid));
            assertThat(host.hv.byId(domid)).as("d%d has a domain", domid).isNotNull();
            String name = host.toolstack.record(domid).config().name();
            assertThat(names.add(name)).as("names are unique").isTrue();
            assertThat(host.xs.read("/local/domain/" + domid + "/name")).isEqualTo(name);
            assertThat(host.xs.read("/local/domain/0/backend/vbd/" + domid + "/51712/frontend"))
                    .isEqualTo("/local/domain/" + domid + "/device/vbd/51712");
        }
        assertThat(host.hv.domids()).containsExactlyInAnyOrderElementsOf(
                Stream.concat(Stream.of(0), guests.stream()).toList());
        assertThat(host.children("/local/domain")).containsExactlyInAnyOrderElementsOf(homes);
        assertThat(host.children("/vm")).hasSize(guests.size());
        assertThat(host.children("/local/domain/0/backend/vbd")).hasSize(guests.size());
    }

    @Provide
    Arbitrary<List<Step>> stepLists() {
        return steps().list().ofMaxSize(25);
    }

    Arbitrary<Step> steps() {
        return net.jqwik.api.Combinators.combine(
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.of(ShutdownReason.POWEROFF, ShutdownReason.REBOOT, ShutdownReason.CRASH))
                .as(Step::new);
    }
}

package io.jxen.hv;

import io.jxen.abi.xen.MmuExtCmd;
import io.jxen.hv.domain.Domain;
import io.jxen.hv.domain.DomainConfig;
import io.jxen.hv.mm.pv.PageInfo;
import io.jxen.hv.mm.pv.PageType;
import io.jxen.hv.mm.pv.PageTypes;
import io.jxen.memory.MachineMemory;
import io.jxen.sim.VirtualClock;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model of type counts: random pins, unpins and page-table updates over a few frames (each
 * may become a table of any level, point at any other, writable or not) and after every step
 *
 * <ul>
 *   <li>no frame mapped writable by a validated L1 entry is a page table (nor is any frame
 *       both at once: it has one type);</li>
 *   <li>every frame's type count equals what the model recounts: its pin, plus one per
 *       validated entry of a live table that references it (L1 writable entries → writable,
 *       L(n) entries → L(n-1)); frames with count 0 have no type;</li>
 *   <li>a failed operation changes nothing.</li>
 * </ul>
 */
class PageTypeModelProperties {

    static final int PAGES = 6;
    static final long FIRST_GFN = 8;

    /** One step: kind 0 pin (level), 1 unpin, 2 update (slot, target, rw, present). */
    record Step(int kind, int page, int level, int slot, int target, boolean rw, boolean present) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Combinators.combine(
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, PAGES - 1),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, PAGES - 1), Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 400)
    void typeCountsMatchTheReferencesAndNoTableIsMappedWritable(@ForAll("steps") List<Step> steps) throws Exception {
        Path dir = Files.createTempDirectory("pgt");
        try (MachineMemory memory = MachineMemory.create(dir.resolve("m"), 1024)) {
            Hypervisor hv = new Hypervisor(memory, new VirtualClock(0));
            Domain d = hv.createDomain(DomainConfig.of(32, 1).withPvMmu());
            GuestMmu m = new GuestMmu(hv.hypercalls(d.domid(), 0), d.guestPhysicalMemory());
            PageTypes types = hv.mmu().types();
            for (Step s : steps) {
                Map<Long, String> before = snapshot(types);
                long gfn = FIRST_GFN + s.page();
                long rc = switch (s.kind()) {
                    case 0 -> m.ext(MmuExtCmd.PIN_L1_TABLE + s.level() - 1, m.mfn(gfn), 0);
                    case 1 -> m.ext(MmuExtCmd.UNPIN_TABLE, m.mfn(gfn), 0);
                    default -> m.update(m.slot(gfn, s.slot()),
                            s.present() ? m.pte(FIRST_GFN + s.target(), GuestMmu.PRESENT | (s.rw() ? GuestMmu.RW : 0)) : 0);
                };
                if (rc != 0) {
                    assertThat(snapshot(types)).as("failed %s (%d) changed nothing", s, rc).isEqualTo(before);
                }
                check(types);
            }
            hv.destroyDomain(d.domid());
            assertThat(types.typed()).isEmpty();
            assertThat(hv.internalErrors()).isZero();
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    static Map<Long, String> snapshot(PageTypes types) {
        Map<Long, String> out = new HashMap<>();
        types.typed().forEach((mfn, i) -> out.put(mfn, i.type() + "/" + i.count() + "/" + i.pinned() + "/" + i.linearCount()));
        return out;
    }

    static void check(PageTypes types) {
        Map<Long, PageInfo> typed = types.typed();
        Map<Long, Integer> expected = new HashMap<>();
        Map<Long, Integer> linearHeld = new HashMap<>();
        Map<Long, Integer> linearUses = new HashMap<>();
        typed.forEach((mfn, info) -> {
            if (info.pinned()) {
                expected.merge(mfn, 1, Integer::sum);
            }
            int level = info.type().level();
            if (level == 0 || info.count() == 0) {
                return;
            }
            for (int slot = 0; slot < PageTypes.ENTRIES; slot++) {
                long e = info.entry(slot);
                if ((e & PageTypes.PRESENT) == 0) {
                    continue;
                }
                long target = PageTypes.mfnOf(e);
                if (level == 1 && (e & PageTypes.RW) != 0) {
                    expected.merge(target, 1, Integer::sum);
                    PageInfo t = typed.get(target);
                    assertThat(t).as("writable-mapped frame %d is typed", target).isNotNull();
                    assertThat(t.type().pageTable()).as("frame %d mapped writable and a page table", target).isFalse();
                    assertThat(t.type()).isEqualTo(PageType.WRITABLE);
                }
                if (level > 1) {
                    if (target == mfn) {
                        // a linear self-map: read-only, takes no reference
                        assertThat(e & PageTypes.RW).as("self-map of %d read-only", mfn).isZero();
                        continue;
                    }
                    expected.merge(target, 1, Integer::sum);
                    PageType t = typed.get(target).type();
                    if (t == PageType.table(level)) {
                        assertThat(e & PageTypes.RW).as("linear entry %d -> %d read-only", mfn, target).isZero();
                        linearHeld.merge(mfn, 1, Integer::sum);
                        linearUses.merge(target, 1, Integer::sum);
                    } else {
                        assertThat(t).isEqualTo(PageType.table(level - 1));
                    }
                }
            }
        });
        typed.forEach((mfn, info) -> {
            assertThat(info.count()).as("type count of frame %d (%s)", mfn, info.type())
                    .isEqualTo(expected.getOrDefault(mfn, 0));
            if (info.count() == 0) {
                assertThat(info.type()).isEqualTo(PageType.NONE);
            }
            int held = linearHeld.getOrDefault(mfn, 0);
            int uses = linearUses.getOrDefault(mfn, 0);
            assertThat(held == 0 || uses == 0).as("XSA-240: table %d both holds and is a linear target", mfn).isTrue();
            assertThat(info.linearCount()).as("linear_pt_count of %d", mfn).isEqualTo(held - uses);
        });
        expected.forEach((mfn, n) -> assertThat(typed).as("frame %d referenced", mfn).containsKey(mfn));
    }
}

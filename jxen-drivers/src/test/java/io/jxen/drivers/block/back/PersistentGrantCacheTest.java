package io.jxen.drivers.block.back;

import io.jxen.abi.XenPage;
import io.jxen.sim.Seeds;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The persistent-grant cache against a model (an access-ordered {@link LinkedHashMap}, what the
 * cache was before it became primitive arrays): over seeded random lookups, some of bad grants,
 * the same hits, misses and evictions, the same recency order, every live grant mapped at its
 * own GFN of the window, each mapping unmapped exactly once when evicted or cleared.
 */
class PersistentGrantCacheTest {

    private static final long FIRST_GFN = 0x1000;

    /** The mapper: records live mappings by host GFN, refuses grants marked bad. */
    private static final class Mapper implements PersistentGrantCache.GrantMapper {
        final Map<Long, Integer> liveByGfn = new HashMap<>();
        final Map<Integer, Integer> handles = new HashMap<>();
        final Set<Integer> bad = new HashSet<>();
        int nextHandle;
        int unmaps;

        @Override
        public int map(int gref, long hostGpa) {
            if (bad.contains(gref)) {
                throw new IllegalStateException("GNTST_bad_gntref " + gref);
            }
            long gfn = hostGpa >>> XenPage.SHIFT;
            assertThat(liveByGfn).as("GFN %d mapped twice", gfn).doesNotContainKey(gfn);
            liveByGfn.put(gfn, gref);
            handles.put(gref, nextHandle);
            return nextHandle++;
        }

        @Override
        public void unmap(long hostGpa, int handle) {
            long gfn = hostGpa >>> XenPage.SHIFT;
            Integer gref = liveByGfn.remove(gfn);
            assertThat(gref).as("unmap of GFN %d not mapped", gfn).isNotNull();
            assertThat(handles.remove(gref)).isEqualTo(handle);
            unmaps++;
        }
    }

    @Test
    void matchesAnLruModelOverRandomLookups() {
        Seeds.run(seed -> {
            Random random = new Random(seed);
            for (int round = 0; round < 20; round++) {
                int capacity = 1 + random.nextInt(random.nextBoolean() ? 8 : 300);
                int domain = capacity + 1 + random.nextInt(3 * capacity);
                Mapper mapper = new Mapper();
                PersistentGrantCache cache = new PersistentGrantCache(mapper, FIRST_GFN, capacity);
                LinkedHashMap<Integer, Boolean> model = new LinkedHashMap<>(16, 0.75f, true);
                long hits = 0;
                long misses = 0;
                long evictions = 0;
                for (int op = 0; op < 5_000; op++) {
                    // References spread over the whole int range too: the table must not care.
                    int ref = random.nextInt(4) == 0 ? random.nextInt(domain) * 0x10001 : random.nextInt(domain);
                    if (random.nextInt(50) == 0) {
                        mapper.bad.add(ref);
                    } else if (random.nextInt(50) == 0) {
                        mapper.bad.remove(ref);
                    }
                    if (model.get(ref) != null) {
                        hits++;
                        long gfn = cache.map(ref);
                        assertThat(mapper.liveByGfn.get(gfn)).isEqualTo(ref);
                        continue;
                    }
                    misses++;
                    if (model.size() == capacity) {
                        Iterator<Integer> eldest = model.keySet().iterator();
                        eldest.next();
                        eldest.remove();
                        evictions++;
                    }
                    if (mapper.bad.contains(ref)) {
                        assertThatThrownBy(() -> cache.map(ref)).isInstanceOf(IllegalStateException.class);
                    } else {
                        long gfn = cache.map(ref);
                        model.put(ref, true);
                        assertThat(gfn).isBetween(FIRST_GFN, FIRST_GFN + capacity - 1);
                        assertThat(mapper.liveByGfn.get(gfn)).isEqualTo(ref);
                    }
                    assertThat(cache.size()).isEqualTo(model.size()).isEqualTo(mapper.liveByGfn.size());
                }
                List<Integer> recency = new ArrayList<>(model.keySet());
                java.util.Collections.reverse(recency);
                assertThat(cache.refsByRecency()).containsExactly(recency.stream().mapToInt(Integer::intValue).toArray());
                assertThat(cache.hits()).isEqualTo(hits);
                assertThat(cache.misses()).isEqualTo(misses);
                assertThat(cache.evictions()).isEqualTo(evictions);
                assertThat(mapper.unmaps).isEqualTo((int) evictions);

                cache.clear();
                assertThat(mapper.liveByGfn).isEmpty();
                assertThat(cache.size()).isZero();
                assertThat(cache.refsByRecency()).isEmpty();
                // Usable again after clear, from a clean window.
                mapper.bad.clear();
                for (int i = 0; i < capacity; i++) {
                    cache.map(i);
                }
                assertThat(mapper.liveByGfn).hasSize(capacity);
            }
        });
    }

    @Test
    void aBadGrantLeavesNothingCachedAndItsGfnFree() {
        Mapper mapper = new Mapper();
        PersistentGrantCache cache = new PersistentGrantCache(mapper, FIRST_GFN, 2);
        mapper.bad.add(7);
        assertThatThrownBy(() -> cache.map(7)).isInstanceOf(IllegalStateException.class);
        assertThat(cache.size()).isZero();
        assertThat(cache.map(1)).isEqualTo(FIRST_GFN);
        assertThat(cache.map(2)).isEqualTo(FIRST_GFN + 1);
        assertThat(cache.map(1)).isEqualTo(FIRST_GFN); // hit: 2 is now the eldest
        assertThat(cache.map(3)).isEqualTo(FIRST_GFN + 1); // evicts 2 and takes its GFN
        assertThat(cache.refsByRecency()).containsExactly(3, 1);
    }
}

package io.jxen.guest.gnttab;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The free list against a model: a set of free references, a set handed out, and private
 * batches as stacks. Every operation sequence keeps them equal, never hands out a reserved or
 * already-used reference, and uses {@code LIST_END} (not a negative number) for "none".
 */
class GrantFreeListProperties {

    @Provide
    Arbitrary<List<Integer>> ops() {
        return Arbitraries.integers().between(0, 99).list().ofMaxSize(300);
    }

    @Property(tries = 300)
    void matchesTheModel(@ForAll("ops") List<Integer> ops) {
        GrantFreeList list = new GrantFreeList(24);
        Set<Integer> free = new HashSet<>();
        for (int r = 8; r < 24; r++) {
            free.add(r);
        }
        List<Integer> taken = new ArrayList<>();
        List<Deque<Integer>> batches = new ArrayList<>();
        List<int[]> heads = new ArrayList<>();
        for (int op : ops) {
            int kind = op % 6;
            int arg = op / 6;
            switch (kind) {
                case 0 -> {
                    int ref = list.take();
                    if (free.isEmpty()) {
                        assertThat(ref).isEqualTo(GrantFreeList.LIST_END);
                    } else {
                        assertThat(free.remove(ref)).as("took a reference that was not free: " + ref).isTrue();
                        taken.add(ref);
                    }
                }
                case 1 -> {
                    if (!taken.isEmpty()) {
                        int ref = taken.remove(arg % taken.size());
                        list.put(ref);
                        free.add(ref);
                    }
                }
                case 2 -> {
                    int count = 1 + arg % 5;
                    int head = list.allocBatch(count);
                    if (count > free.size()) {
                        assertThat(head).isEqualTo(GrantFreeList.LIST_END);
                    } else {
                        Deque<Integer> batch = new ArrayDeque<>();
                        for (int r = head; r != GrantFreeList.LIST_END; r = list.nextOf(r)) {
                            assertThat(free.remove(r)).isTrue();
                            batch.addLast(r);
                        }
                        assertThat(batch).hasSize(count);
                        batches.add(batch);
                        heads.add(new int[] {head});
                    }
                }
                case 3 -> { // claim from a batch
                    if (!batches.isEmpty()) {
                        int i = arg % batches.size();
                        int[] head = heads.get(i);
                        int ref = head[0];
                        if (batches.get(i).isEmpty()) {
                            assertThat(ref).isEqualTo(GrantFreeList.LIST_END);
                        } else {
                            assertThat(ref).isEqualTo(batches.get(i).pollFirst());
                            head[0] = list.nextOf(ref);
                            taken.add(ref);
                        }
                    }
                }
                case 4 -> { // release a taken reference into a batch
                    if (!batches.isEmpty() && !taken.isEmpty()) {
                        int i = arg % batches.size();
                        int ref = taken.remove(arg % taken.size());
                        heads.get(i)[0] = list.pushPrivate(heads.get(i)[0], ref);
                        batches.get(i).addFirst(ref);
                    }
                }
                default -> { // free a whole batch
                    if (!batches.isEmpty()) {
                        int i = arg % batches.size();
                        list.putList(heads.get(i)[0]);
                        free.addAll(batches.get(i));
                        batches.remove(i);
                        heads.remove(i);
                    }
                }
            }
            assertThat(list.freeCount()).isEqualTo(free.size());
        }
        // Drain: exactly the model's free set comes out, never a reserved reference.
        Set<Integer> drained = new HashSet<>();
        for (int r = list.take(); r != GrantFreeList.LIST_END; r = list.take()) {
            assertThat(r).isBetween(8, 23);
            assertThat(drained.add(r)).isTrue();
        }
        assertThat(drained).isEqualTo(free);
    }

    @net.jqwik.api.Example
    void aDoubleFreeIsRefused() {
        GrantFreeList list = new GrantFreeList(16);
        int ref = list.take();
        list.put(ref);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> list.put(ref))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("freed twice");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> list.put(3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
    }
}

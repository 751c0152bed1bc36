package io.jxen.xenstore.store;

import io.jxen.xenstore.wire.XsPayload;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ChildNames} shares one array between versions: whatever version an append or a
 * removal starts from (the newest, or an old one a transaction still holds), every version
 * keeps exactly the names it had, in order, and its byte length and DIRECTORY payload match.
 */
class ChildNamesProperties {

    /** Derive a new version from version {@code from}: append or remove a name. */
    record Step(int from, boolean append, int name) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(Arbitraries.integers().between(0, 1000), Arbitraries.integers().between(0, 4)
                        .map(i -> i != 0), Arbitraries.integers().between(0, 7)).as(Step::new)
                .list().ofMaxSize(80);
    }

    @Property
    void everyVersionKeepsItsOwnNames(@ForAll("steps") List<Step> steps) {
        List<ChildNames> versions = new ArrayList<>(List.of(ChildNames.EMPTY));
        List<List<String>> models = new ArrayList<>(List.of(List.of()));
        for (Step s : steps) {
            int from = s.from() % versions.size();
            String name = "n" + s.name() + "x".repeat(s.name());
            List<String> model = new ArrayList<>(models.get(from));
            ChildNames next;
            if (s.append()) {
                next = versions.get(from).plus(name);
                model.add(name);
            } else {
                next = versions.get(from).minus(name);
                model.remove(name);
            }
            versions.add(next);
            models.add(List.copyOf(model));
        }
        for (int i = 0; i < versions.size(); i++) {
            ChildNames v = versions.get(i);
            assertThat(v).as("version %d", i).containsExactlyElementsOf(models.get(i));
            assertThat(v).isEqualTo(models.get(i));
            byte[] expected = XsPayload.joinStrings(models.get(i));
            assertThat(v.byteLength()).isEqualTo(expected.length);
            assertThat(v.payload()).isEqualTo(expected);
        }
    }
}

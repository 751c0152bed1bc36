package io.jxen.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.jxen.architecture.fixture.guest.LeakyGuestDriver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules of docs/ARCHITECTURE.md, enforced. Dependencies point down the module list;
 * guest and driver code reach the hypervisor only through the hypercall interface and
 * shared memory, as a real guest does.
 */
class ModuleBoundariesTest {

    private static JavaClasses production;

    @BeforeAll
    static void importJxen() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("/io/jxen/architecture/"))
                .importPackages("io.jxen");
        assertThat(production.size()).as("jxen classes found on the test classpath").isGreaterThan(20);
    }

    /** Guest and driver code may not see hypervisor internals ({@code io.jxen.hv}). */
    static ArchRule guestsSeeOnlyTheHypercallInterface(String hypervisorPackage, String... guestPackages) {
        return noClasses().that().resideInAnyPackage(guestPackages)
                .should().dependOnClassesThat().resideInAPackage(hypervisorPackage)
                .because("a guest reaches the hypervisor only through Hypercalls and shared memory (design.md 3)")
                .allowEmptyShould(true);
    }

    @Test
    void guestAndDriverCodeNeverReachIntoTheHypervisor() {
        guestsSeeOnlyTheHypercallInterface("io.jxen.hv..", "io.jxen.guest..", "io.jxen.drivers..")
                .check(production);
    }

    @Test
    void theGuestRuleCatchesAViolation() {
        JavaClasses fixture = new ClassFileImporter().importPackagesOf(LeakyGuestDriver.class);
        EvaluationResult result = guestsSeeOnlyTheHypercallInterface(
                "io.jxen.architecture.fixture.hv..", "io.jxen.architecture.fixture.guest..").evaluate(fixture);
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString()).contains("LeakyGuestDriver");
    }

    @Test
    void theHypercallInterfaceDoesNotKnowItsImplementation() {
        noClasses().that().resideInAPackage("io.jxen.hypercall..")
                .should().dependOnClassesThat().resideInAPackage("io.jxen.hv..")
                .because("guests in another JVM load io.jxen.hypercall without the hypervisor")
                .allowEmptyShould(true)
                .check(production);
    }

    @Test
    void theAbiDependsOnNothingElseOfJxen() {
        noClasses().that().resideInAPackage("io.jxen.abi..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.jxen.runtime..", "io.jxen.memory..", "io.jxen.sim..", "io.jxen.hypercall..", "io.jxen.hv..",
                        "io.jxen.xenstore..",
                        "io.jxen.guest..", "io.jxen.drivers..", "io.jxen.host..", "io.jxen.cli..")
                .check(production);
    }

    @Test
    void runtimeAndMemoryStayAtTheBottom() {
        noClasses().that().resideInAnyPackage("io.jxen.runtime..", "io.jxen.memory..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.jxen.sim..", "io.jxen.hypercall..", "io.jxen.hv..", "io.jxen.xenstore..", "io.jxen.guest..",
                        "io.jxen.drivers..", "io.jxen.host..", "io.jxen.cli..")
                .check(production);
    }

    @Test
    void onlyTheHostAndTheCliAssembleComponents() {
        noClasses().that().resideInAnyPackage("io.jxen.hv..", "io.jxen.xenstore..", "io.jxen.guest..", "io.jxen.drivers..")
                .should().dependOnClassesThat().resideInAnyPackage("io.jxen.host..", "io.jxen.cli..", "io.jxen.sim..")
                .because("the simulation drives components from outside; components do not know it")
                .allowEmptyShould(true)
                .check(production);
    }

    @Test
    void timeIsReadOnlyThroughTheInjectedClock() {
        noClasses().that().resideOutsideOfPackages("io.jxen.cli..")
                .and().doNotHaveFullyQualifiedName("io.jxen.runtime.SystemClock")
                .and().doNotHaveFullyQualifiedName("io.jxen.sim.Seeds")
                .should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .because("time comes from an injected io.jxen.runtime.Clock so the simulation controls it (design.md 5)")
                .check(production);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.jxen.(*)..").should().beFreeOfCycles().check(production);
    }
}

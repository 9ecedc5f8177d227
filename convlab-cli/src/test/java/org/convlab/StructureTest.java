package org.convlab;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The module and package structure docs/architecture.md draws, read from the compiled classes: arrows point one
 * way between modules and between packages (a subpackage is a package of its own), and a runnable
 * graph has one door ({@code org.convlab.runtime.Networks}).
 */
class StructureTest {
    /** Each module and the modules its classes may use; core uses none. */
    private static final Map<String, Set<String>> MODULE_ARROWS = Map.of(
            "convlab-core", Set.of(),
            "convlab-plot", Set.of("convlab-core"),
            "convlab-interop", Set.of("convlab-core"),
            "convlab-serve", Set.of("convlab-core"),
            "convlab-spark", Set.of("convlab-core"),
            "convlab-cli", Set.of("convlab-core", "convlab-plot", "convlab-interop", "convlab-serve", "convlab-spark"));

    private static final Pattern MODULE = Pattern.compile("/(convlab-[a-z]+)(?:/target/classes/|-\\d[^/]*\\.jar)");
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))   // convlab-core's test helpers
            .importPackages("org.convlab");

    @Test
    void packagesHaveNoCycles() {
        slices().matching("org.convlab.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void modulesUseOnlyTheModulesBelowThem() {
        Map<String, Long> classesPerModule = MAIN.stream().collect(Collectors.groupingBy(StructureTest::moduleOf,
                Collectors.counting()));
        assertEquals(MODULE_ARROWS.keySet(), classesPerModule.keySet(), "every class comes from a known module");
        List<String> wrong = MAIN.stream().flatMap(origin -> origin.getDirectDependenciesFromSelf().stream())
                .filter(d -> d.getTargetClass().getBaseComponentType().getPackageName().startsWith("org.convlab"))
                .filter(d -> {
                    String from = moduleOf(d.getOriginClass());
                    String to = moduleOf(d.getTargetClass().getBaseComponentType());
                    return !from.equals(to) && !MODULE_ARROWS.get(from).contains(to);
                })
                .map(d -> moduleOf(d.getOriginClass()) + " -> " + moduleOf(d.getTargetClass().getBaseComponentType()) + ": "
                        + d.getDescription())
                .distinct().toList();
        assertEquals(List.of(), wrong);
    }

    /** The module a class was built in, from where its class file lies (a module's classes folder or jar). */
    private static String moduleOf(JavaClass c) {
        String where = c.getSource().map(source -> source.getUri().toString()).orElse("");
        Matcher m = MODULE.matcher(where);
        return m.find() ? m.group(1) : "unknown: " + where;
    }

    @Test
    void onlyTheRuntimeReachesTheHelpers() {
        noClasses().that().resideOutsideOfPackage("org.convlab.runtime..")
                .should().dependOnClassesThat().resideInAPackage("org.convlab.runtime.dnnl..")
                .because("ConvLab's oneDNN helpers reach a graph through Networks alone").check(MAIN);
    }

    @Test
    void graphsAreMadeLoadedAndCopiedOnlyThroughTheRuntime() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("org.convlab.runtime..")
                .should().callConstructorWhere(describe("a ComputationGraph constructor",
                        call -> call.getTarget().getOwner().isEquivalentTo(ComputationGraph.class)))
                .orShould().callMethodWhere(describe("ComputationGraph.clone()",
                        call -> call.getTarget().getOwner().isEquivalentTo(ComputationGraph.class)
                                && call.getTarget().getName().equals("clone")))
                .orShould().callMethodWhere(describe("ModelSerializer.restore*",
                        call -> call.getTarget().getOwner().isEquivalentTo(ModelSerializer.class)
                                && call.getTarget().getName().startsWith("restore")))
                .because("a graph that skips Networks runs without ConvLab's helpers");
        rule.check(MAIN);
    }

    @Test
    void theTutorialsOperationsStandOnTheirOwn() {
        noClasses().that().resideInAnyPackage("org.convlab.ops..", "org.convlab.kernels..")
                .should().dependOnClassesThat().resideOutsideOfPackages("org.convlab.ops..", "org.convlab.kernels..",
                        "org.convlab", "java..", "org.apache.commons.math3..")
                .check(MAIN);
    }

    @Test
    void onlyTheCommandLineSetsJvmWideProperties() {
        noClasses().that().resideOutsideOfPackages("org.convlab.cli..", "org.convlab.bench..", "org.convlab.tutorial..")
                .should().callMethod(System.class, "setProperty", String.class, String.class)
                .because("a library is a guest in its host: settings go to the object they govern").check(MAIN);
    }

    @Test
    void nothingDependsOnTheCommandLine() {
        noClasses().that().resideOutsideOfPackage("org.convlab.cli..")
                .should().dependOnClassesThat().resideInAPackage("org.convlab.cli..").check(MAIN);
    }
}

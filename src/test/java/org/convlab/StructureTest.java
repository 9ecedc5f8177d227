package org.convlab;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package structure the README draws, read from the compiled classes: arrows point one way,
 * and a runnable graph has one door ({@code org.convlab.runtime.Networks}).
 */
class StructureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.convlab");

    @Test
    void packagesHaveNoCycles() {
        slices().matching("org.convlab.(*)..").should().beFreeOfCycles().check(MAIN);
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
    void nothingDependsOnTheCommandLine() {
        noClasses().that().resideOutsideOfPackage("org.convlab.cli..")
                .should().dependOnClassesThat().resideInAPackage("org.convlab.cli..").check(MAIN);
    }
}

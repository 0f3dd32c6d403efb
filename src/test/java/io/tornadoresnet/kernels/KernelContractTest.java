package io.tornadoresnet.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The kernels' public signatures, which the plan and both backends call by position, and the
 * rules TornadoVM needs of a task method: public static void, at most 20 parameters, only
 * float[], int[], int and float.
 */
class KernelContractTest {

    private static final Class<?>[] CLASSES = {
        ActivationKernels.class, BatchNormKernels.class, ConvKernels.class, ElementwiseKernels.class,
        LinearKernels.class, LossKernels.class, PoolKernels.class, ReduceKernels.class, SgdKernels.class,
        ShortcutKernels.class,
    };

    private static final Set<Class<?>> ALLOWED = Set.of(float[].class, int[].class, int.class, float.class);

    private static final String EXPECTED = String.join("\n",
            "ActivationKernels.reluBackward(float[],float[],float[],int)",
            "ActivationKernels.reluForward(float[],float[],int)",
            "BatchNormKernels.backwardInput(float[],float[],float[],float[],float[],float[],float[],float[],int,int,int)",
            "BatchNormKernels.backwardInputFromSums(float[],float[],float[],float[],float[],float[],float[],int,int,int)",
            "BatchNormKernels.backwardPartials(float[],float[],float[],float[],float[],float[],int,int,int)",
            "BatchNormKernels.channelSquaredDeviations(float[],float[],float[],int,int,int)",
            "BatchNormKernels.channelSums(float[],float[],int,int,int)",
            "BatchNormKernels.channelSumsAndSquares(float[],float[],int,int,int)",
            "BatchNormKernels.finishFromSums(float[],float[],float[],float[],float[],int,int,int,float,float)",
            "BatchNormKernels.finishMean(float[],float[],int,int,int)",
            "BatchNormKernels.finishVariance(float[],float[],float[],float[],float[],int,int,int,float,float)",
            "BatchNormKernels.forwardInference(float[],float[],float[],float[],float[],float[],int,int,int,float)",
            "BatchNormKernels.normalizeBatch(float[],float[],float[],float[],float[],float[],int,int,int)",
            "BatchNormKernels.packGradientSums(float[],float[],float[],int)",
            "ConvKernels.backwardData(float[],float[],float[],int,int,int,int,int,int,int,int,int,int,int)",
            "ConvKernels.backwardWeightsPartial(float[],float[],float[],int,int,int,int,int,int,int,int,int,int,int,int)",
            "ConvKernels.forward(float[],float[],float[],int,int,int,int,int,int,int,int,int,int,int)",
            "ElementwiseKernels.add(float[],float[],float[],int)",
            "LinearKernels.backwardBias(float[],float[],int,int)",
            "LinearKernels.backwardData(float[],float[],float[],int,int,int)",
            "LinearKernels.backwardWeights(float[],float[],float[],int,int,int)",
            "LinearKernels.forward(float[],float[],float[],float[],int,int,int)",
            "LossKernels.batchMetrics(float[],float[],float[],int)",
            "LossKernels.softmax(float[],float[],int,int)",
            "LossKernels.softmaxCrossEntropy(float[],int[],float[],float[],float[],int,int)",
            "PoolKernels.avgBackward(float[],float[],int,int,int)",
            "PoolKernels.avgForward(float[],float[],int,int,int)",
            "PoolKernels.maxBackward(float[],int[],float[],int,int,int,int,int,int,int,int,int)",
            "PoolKernels.maxForward(float[],float[],int[],int,int,int,int,int,int,int,int,int)",
            "ReduceKernels.sumGroups(float[],float[],int,int)",
            "SgdKernels.momentumStep(float[],float[],float[],float[],float,float,int,int)",
            "ShortcutKernels.backward(float[],float[],int,int,int,int,int,int,int,int,int)",
            "ShortcutKernels.forward(float[],float[],int,int,int,int,int,int,int,int,int)");

    @Test
    void signaturesAreTheSpecifiedOnes() {
        Set<String> actual = new TreeSet<>();
        for (Class<?> c : CLASSES) {
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers())) {
                    actual.add(c.getSimpleName() + "." + m.getName() + "("
                            + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(","))
                            + ")");
                }
            }
        }
        assertEquals(EXPECTED, String.join("\n", actual));
    }

    @Test
    void everyKernelIsATornadoTask() {
        for (Class<?> c : CLASSES) {
            assertTrue(Modifier.isFinal(c.getModifiers()), c + " is final");
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers())) {
                    continue;
                }
                String name = c.getSimpleName() + "." + m.getName();
                assertTrue(Modifier.isStatic(m.getModifiers()), name + " is static");
                assertEquals(void.class, m.getReturnType(), name + " returns void");
                assertTrue(m.getParameterCount() <= 20, name + " has at most 20 parameters");
                for (Class<?> p : m.getParameterTypes()) {
                    assertTrue(ALLOWED.contains(p), name + " takes only float[], int[], int, float, not " + p);
                }
            }
        }
    }
}

/**
 * The compute kernels: forward and backward of every op and the optimizer update, each a
 * {@code public static void} method over {@code float[]} (and {@code int[]}) buffers plus
 * {@code int}/{@code float} scalars, in NCHW layout.
 *
 * <p>Every kernel stays inside the Java subset TornadoVM compiles: no objects, no allocation,
 * no exceptions, no recursion, no calls but {@link java.lang.Math}, no {@code break} or
 * {@code continue}, at most 20 parameters. Independent outer loops carry TornadoVM's
 * {@code @Parallel}; they are the outermost loops, perfectly nested, from 0 with step 1, so that
 * 1, 2 or 3 of them map to a 1D, 2D or 3D launch. On the plain JVM the annotation has no effect
 * and the loops run serially. Reductions a GPU must spread (weight gradients, batch-norm
 * statistics) are two passes of parallel loops: a partial-sum kernel, then
 * {@link io.tornadoresnet.kernels.ReduceKernels#sumGroups} or a finish kernel.
 *
 * <p>Every kernel overwrites its outputs; none accumulates into them. Semantics follow
 * PyTorch's, so that weights and results move between the two.
 */
package io.tornadoresnet.kernels;

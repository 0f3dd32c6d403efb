package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.backend.jvm.WorkerPool.RangeTask;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.PoolGeometry;

import java.util.Arrays;

/**
 * Max pooling and its gradient with {@code PoolKernels}' results to the bit, split over the worker pool
 * by (image, channel) plane. The forward pass walks each output row with its window's rows clipped once
 * per row; the gradient scatters each output's gradient to its argmax, in output order, which adds up
 * each input pixel's gradients in the order the kernel gathers them.
 */
final class MaxPooling {
    private MaxPooling() {
    }

    static Runnable forward(Op.MaxPool op, WorkerPool pool) {
        PoolGeometry g = op.g();
        float[] in = op.in().data(), out = op.out().data();
        int[] argmax = op.argmax();
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow(), size = g.size(), stride = g.stride(), pad = g.pad();
        RangeTask task = (from, to, worker) -> {
            for (int plane = from; plane < to; plane++) {
                int base = plane * h * w;
                int o = plane * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    // The window clipped to the image: padding never wins.
                    int iyStart = Math.max(0, oy * stride - pad);
                    int iyEnd = Math.min(h, oy * stride - pad + size);
                    for (int ox = 0; ox < ow; ox++, o++) {
                        int ixStart = Math.max(0, ox * stride - pad);
                        int ixEnd = Math.min(w, ox * stride - pad + size);
                        float best = Float.NEGATIVE_INFINITY;
                        int bestIndex = iyStart * w + ixStart;
                        for (int iy = iyStart; iy < iyEnd; iy++) {
                            for (int ix = ixStart; ix < ixEnd; ix++) {
                                float v = in[base + iy * w + ix];
                                if (v > best || v != v) { // the first maximum wins; NaN wins
                                    best = v;
                                    bestIndex = iy * w + ix;
                                }
                            }
                        }
                        out[o] = best;
                        argmax[o] = bestIndex;
                    }
                }
            }
        };
        int planes = g.n() * g.c();
        return () -> pool.parallelFor(planes, task);
    }

    static Runnable backward(Op.MaxPoolBackward op, WorkerPool pool) {
        PoolGeometry g = op.g();
        float[] gradOut = op.gradOut().data(), gradIn = op.gradIn().data();
        int[] argmax = op.argmax();
        int hw = g.h() * g.w(), outPlane = g.oh() * g.ow();
        RangeTask task = (from, to, worker) -> {
            for (int plane = from; plane < to; plane++) {
                int base = plane * hw;
                Arrays.fill(gradIn, base, base + hw, 0f);
                for (int o = plane * outPlane, end = o + outPlane; o < end; o++) {
                    gradIn[base + argmax[o]] += gradOut[o];
                }
            }
        };
        int planes = g.n() * g.c();
        return () -> pool.parallelFor(planes, task);
    }
}

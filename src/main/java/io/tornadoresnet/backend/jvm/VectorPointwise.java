package io.tornadoresnet.backend.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API loops behind {@link Pointwise}, {@link PaddedImage} and {@link Im2col}: each works on
 * a range of one array, so that the worker pool can split it. Loaded only when
 * {@link VectorApi#available()}. Sums run in the vector's lanes and are added up at the end in lane
 * order, so their rounding differs from the kernels' serial sums by float round-off only, and never
 * from one run to the next.
 */
final class VectorPointwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorPointwise() {
    }

    /**
     * The lanes added up in lane order. reduceLanes(ADD) leaves the order open, and the
     * interpreter and the JIT-compiled code take different ones: a step would then depend on
     * whether it ran before or after compilation. With AVX-512 the lanes are read at constant
     * indices: read through a loop variable they took 2x as long as the loop that fills them on
     * 8x8 planes.
     */
    private static float laneSum(FloatVector v) {
        if (S.length() == 16) {
            float s = 0;
            s += v.lane(0); s += v.lane(1); s += v.lane(2); s += v.lane(3);
            s += v.lane(4); s += v.lane(5); s += v.lane(6); s += v.lane(7);
            s += v.lane(8); s += v.lane(9); s += v.lane(10); s += v.lane(11);
            s += v.lane(12); s += v.lane(13); s += v.lane(14); s += v.lane(15);
            return s;
        }
        float s = 0;
        for (int lane = 0; lane < S.length(); lane++) {
            s += v.lane(lane);
        }
        return s;
    }

    /** Lanes 0, 2, 4, ... of two vectors side by side, then 1, 3, 5, ...: the halves of {@link #deinterleave}. */
    private static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(S, lane -> 2 * lane);
    private static final VectorShuffle<Float> ODDS = VectorShuffle.fromOp(S, lane -> 2 * lane + 1);

    /**
     * As {@code System.arraycopy} of floats, without its call: the rows of a padded image (8 to 56 floats
     * with ResNet) are too short to pay for it.
     */
    static void copy(float[] from, int src, float[] to, int dst, int length) {
        int x = 0;
        for (; x + S.length() <= length; x += S.length()) {
            FloatVector.fromArray(S, from, src + x).intoArray(to, dst + x);
        }
        if (x < length) {
            if (VectorApi.masksCompiled()) {
                VectorMask<Float> m = S.indexInRange(x, length);
                FloatVector.fromArray(S, from, src + x, m).intoArray(to, dst + x, m);
            } else {
                System.arraycopy(from, src + x, to, dst + x, length - x);
            }
        }
    }

    /**
     * {@code from[src + 2i]} to {@code to[evens + i]} and {@code from[src + 2i + 1]} to {@code to[odds + i]}
     * for the {@code length} floats from {@code src}: a row of an image split into its column phases at
     * stride 2.
     */
    static void deinterleave(float[] from, int src, int length, float[] to, int evens, int odds) {
        int x = 0;
        if (!VectorApi.masksCompiled()) {
            for (; x < length; x++) {
                to[((x & 1) == 0 ? evens : odds) + x / 2] = from[src + x];
            }
            return;
        }
        for (; x + 2 * S.length() <= length; x += 2 * S.length()) {
            FloatVector first = FloatVector.fromArray(S, from, src + x);
            FloatVector second = FloatVector.fromArray(S, from, src + x + S.length());
            first.rearrange(EVENS, second).intoArray(to, evens + x / 2);
            first.rearrange(ODDS, second).intoArray(to, odds + x / 2);
        }
        if (x < length) {
            // The rest, fewer than two vectors, through masks: rows of 16 floats (a 16x16 image) are all rest.
            int rest = length - x;
            FloatVector first = FloatVector.fromArray(S, from, src + x, S.indexInRange(0, rest));
            FloatVector second = FloatVector.fromArray(S, from, src + x + S.length(),
                    S.indexInRange(S.length(), rest));
            first.rearrange(EVENS, second).intoArray(to, evens + x / 2, S.indexInRange(0, (rest + 1) / 2));
            first.rearrange(ODDS, second).intoArray(to, odds + x / 2, S.indexInRange(0, rest / 2));
        }
    }

    /** Lanes of {@code (x, zeros)} interleaved: x's first half at the even lanes, then its second half. */
    private static final VectorShuffle<Float> SPREAD_LOW = VectorShuffle.fromOp(S,
            lane -> lane % 2 == 0 ? lane / 2 : S.length() + lane / 2);
    private static final VectorShuffle<Float> SPREAD_HIGH = VectorShuffle.fromOp(S,
            lane -> lane % 2 == 0 ? S.length() / 2 + lane / 2 : S.length() + lane / 2);

    /**
     * {@code to[dst + 2i] += from[src + i]} for i below {@code count}: a row of col2im at stride 2. Whole
     * vectors add zeros at the odd places in between, which leaves them as they are (a sum that starts at
     * +0 never holds -0, the one value adding +0 would change); they read and write as far as
     * {@code to[dst + 2 * count - 1]}, one float past the last one added to.
     */
    static void addAtEvenPlaces(float[] from, int src, int count, float[] to, int dst) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (; VectorApi.masksCompiled() && i + S.length() <= count; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, from, src + i);
            int at = dst + 2 * i;
            FloatVector.fromArray(S, to, at).add(x.rearrange(SPREAD_LOW, zero)).intoArray(to, at);
            FloatVector.fromArray(S, to, at + S.length()).add(x.rearrange(SPREAD_HIGH, zero))
                    .intoArray(to, at + S.length());
        }
        for (; i < count; i++) {
            to[dst + 2 * i] += from[src + i];
        }
    }

    /** y = max(x, 0), keeping NaN as PyTorch does. */
    static void relu(float[] x, float[] y, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector.fromArray(S, x, i).max(0f).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = Math.max(x[i], 0f);
        }
    }

    /** gradIn = y > 0 ? gradOut : 0. */
    static void reluBackward(float[] y, float[] gradOut, float[] gradIn, int from, int to) {
        int i = from;
        FloatVector zero = FloatVector.zero(S);
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            VectorMask<Float> positive = FloatVector.fromArray(S, y, i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(S, gradOut, i), positive).intoArray(gradIn, i);
        }
        for (; i < to; i++) {
            gradIn[i] = y[i] > 0f ? gradOut[i] : 0f;
        }
    }

    static void add(float[] a, float[] b, float[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector.fromArray(S, a, i).add(FloatVector.fromArray(S, b, i)).intoArray(out, i);
        }
        for (; i < to; i++) {
            out[i] = a[i] + b[i];
        }
    }

    static float sum(float[] x, int from, int to) {
        int i = from;
        FloatVector acc = FloatVector.zero(S);
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            acc = acc.add(FloatVector.fromArray(S, x, i));
        }
        float s = laneSum(acc);
        for (; i < to; i++) {
            s += x[i];
        }
        return s;
    }

    static float squaredDeviations(float[] x, float mean, int from, int to) {
        int i = from;
        FloatVector acc = FloatVector.zero(S);
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector d = FloatVector.fromArray(S, x, i).sub(mean);
            acc = d.fma(d, acc);
        }
        float s = laneSum(acc);
        for (; i < to; i++) {
            float d = x[i] - mean;
            s += d * d;
        }
        return s;
    }

    /**
     * One pass over {@code x[from, to)}: {@code sums[at] = sum(x - shift)} and {@code squares[at] =
     * sum((x - shift)^2)}.
     */
    static void shiftedSums(float[] x, float shift, int from, int to, float[] sums, float[] squares, int at) {
        int i = from;
        FloatVector sum = FloatVector.zero(S);
        FloatVector square = FloatVector.zero(S);
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector d = FloatVector.fromArray(S, x, i).sub(shift);
            sum = sum.add(d);
            square = d.fma(d, square);
        }
        float s = laneSum(sum);
        float q = laneSum(square);
        for (; i < to; i++) {
            float d = x[i] - shift;
            s += d;
            q += d * d;
        }
        sums[at] = s;
        squares[at] = q;
    }

    /** y = x * scale + shift. */
    static void scaleShift(float[] x, float scale, float shift, float[] y, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector.fromArray(S, x, i).fma(scale, shift).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] = x[i] * scale + shift;
        }
    }

    /**
     * {@code x[p][c] = fma(x[p][c], scale[c], shift[c])}, then ReLU where asked, for {@code rows} rows of
     * {@code width} floats from 0: a channel in each lane, with {@link #scaleShiftAddRelu}'s arithmetic.
     * Returns false, having changed nothing, where a row is not whole vectors.
     */
    static boolean scaleShiftLanes(float[] x, int rows, int width, float[] scale, float[] shift, boolean relu) {
        if (width % S.length() != 0) {
            return false;
        }
        for (int v = 0; v < width; v += S.length()) {
            FloatVector s = FloatVector.fromArray(S, scale, v);
            FloatVector t = FloatVector.fromArray(S, shift, v);
            for (int at = v; at < rows * width; at += width) {
                FloatVector y = FloatVector.fromArray(S, x, at).fma(s, t);
                (relu ? y.max(0f) : y).intoArray(x, at);
            }
        }
        return true;
    }

    /**
     * y = relu(x * scale + shift + residual) over {@code [from, to)}, the residual (null for none)
     * read at the same indices, ReLU only when asked; x and y may be the same array.
     */
    static void scaleShiftAddRelu(float[] x, float scale, float shift, float[] residual, boolean relu, float[] y,
                                  int from, int to) {
        int i = from;
        int end = from + S.loopBound(to - from);
        if (residual == null) {
            for (; i < end; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, i).fma(scale, shift);
                (relu ? v.max(0f) : v).intoArray(y, i);
            }
        } else {
            for (; i < end; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, i).fma(scale, shift)
                        .add(FloatVector.fromArray(S, residual, i));
                (relu ? v.max(0f) : v).intoArray(y, i);
            }
        }
        // Rows of the small stages are short (7 to 56 floats): the last vector is masked, not scalar.
        if (i < to && VectorApi.masksCompiled()) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(S, x, i, m).fma(scale, shift);
            if (residual != null) {
                v = v.add(FloatVector.fromArray(S, residual, i, m));
            }
            (relu ? v.max(0f) : v).intoArray(y, i, m);
        } else {
            for (; i < to; i++) {
                float v = Math.fma(x[i], scale, shift);
                if (residual != null) {
                    v += residual[i];
                }
                y[i] = relu ? Math.max(v, 0f) : v;
            }
        }
    }

    /**
     * Adds sum(dy) to sums[at] and sum(dy * (x - mean)) to sums[at + 1], dy being gradOut, or, with a mask,
     * gradOut where the mask is positive and 0 elsewhere (ReLU's gradient read from its output); or, with
     * {@code reluOfX}, gradOut where {@code fma(x, scale, shift) > 0}: ReLU's output recomputed from batch
     * norm's input with the forward pass's arithmetic ({@link #scaleShiftAddRelu}), so the same bits decide.
     */
    static void gradientSums(float[] gradOut, float[] mask, boolean reluOfX, float scale, float shift, float[] x,
                             float mean, int from, int to, float[] sums, int at) {
        int i = from;
        FloatVector dy = FloatVector.zero(S);
        FloatVector dyx = FloatVector.zero(S);
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, i);
            FloatVector g = gate(FloatVector.fromArray(S, gradOut, i), xv, mask, reluOfX, scale, shift, i);
            dy = dy.add(g);
            dyx = xv.sub(mean).fma(g, dyx);
        }
        float a = laneSum(dy);
        float b = laneSum(dyx);
        for (; i < to; i++) {
            float g = passes(mask, reluOfX, scale, shift, x, i) ? gradOut[i] : 0f;
            a += g;
            b += g * (x[i] - mean);
        }
        sums[at] += a;
        sums[at + 1] += b;
    }

    /** g where ReLU let the lanes from {@code i} through, else 0: {@link #passes} a vector at a time. */
    private static FloatVector gate(FloatVector g, FloatVector x, float[] mask, boolean reluOfX, float scale,
                                    float shift, int i) {
        if (mask != null) {
            return FloatVector.zero(S).blend(g, FloatVector.fromArray(S, mask, i).compare(VectorOperators.GT, 0f));
        }
        return reluOfX ? FloatVector.zero(S).blend(g, x.fma(scale, shift).compare(VectorOperators.GT, 0f)) : g;
    }

    /** Whether ReLU let element i through, as {@link #gradientSums} reads or recomputes it. */
    private static boolean passes(float[] mask, boolean reluOfX, float scale, float shift, float[] x, int i) {
        if (mask != null) {
            return mask[i] > 0f;
        }
        return !reluOfX || Math.fma(x[i], scale, shift) > 0f;
    }

    /**
     * ReLU's gradient {@code dy = y > 0 ? a + b : 0} (of a alone when b is null) into {@code dy}, adding
     * sum(dy) to sums[at] and sum(dy * (x - mean)) to sums[at + 1], as {@link #gradientSums}.
     */
    static void reluGradientSums(float[] a, float[] b, float[] y, float[] x, float mean, float[] dy, int from, int to,
                                 float[] sums, int at) {
        int i = from;
        FloatVector sum = FloatVector.zero(S);
        FloatVector dyx = FloatVector.zero(S);
        FloatVector zero = FloatVector.zero(S);
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, a, i);
            if (b != null) {
                g = g.add(FloatVector.fromArray(S, b, i));
            }
            g = zero.blend(g, FloatVector.fromArray(S, y, i).compare(VectorOperators.GT, 0f));
            g.intoArray(dy, i);
            sum = sum.add(g);
            dyx = FloatVector.fromArray(S, x, i).sub(mean).fma(g, dyx);
        }
        float s = laneSum(sum);
        float t = laneSum(dyx);
        for (; i < to; i++) {
            float g = y[i] > 0f ? (b == null ? a[i] : a[i] + b[i]) : 0f;
            dy[i] = g;
            s += g;
            t += g * (x[i] - mean);
        }
        sums[at] += s;
        sums[at + 1] += t;
    }

    /**
     * gradIn = dy * a + (x - mean) * b + c: batch norm's input gradient with its constants folded; dy as
     * in {@link #gradientSums}.
     */
    static void batchNormInputGradient(float[] gradOut, float[] mask, boolean reluOfX, float scale, float shift,
                                       float[] x, float mean, float a, float b, float c, float[] gradIn, int from,
                                       int to) {
        int i = from;
        // Broadcast once, out of the loop: Java 17 allocated two vectors an iteration for fma(float, float).
        FloatVector va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, b);
        FloatVector vc = FloatVector.broadcast(S, c);
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, i);
            FloatVector g = gate(FloatVector.fromArray(S, gradOut, i), xv, mask, reluOfX, scale, shift, i);
            g.fma(va, xv.sub(mean).fma(vb, vc)).intoArray(gradIn, i);
        }
        for (; i < to; i++) {
            float g = passes(mask, reluOfX, scale, shift, x, i) ? gradOut[i] : 0f;
            gradIn[i] = g * a + ((x[i] - mean) * b + c);
        }
    }
}

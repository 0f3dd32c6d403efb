package io.tornadoresnet.backend.jvm;

/**
 * What {@link ConvRoutine#forward(float[], float[], TileEpilogue, float[], WorkerPool)} does to each tile of
 * a convolution's output right after writing it, while the tile is still in cache: one channel's
 * segment {@code [from, to)} of the output at a time. A pass's tiles are numbered from 0 to
 * {@link ConvRoutine#forwardTiles()}; they run on the pool's workers, each tile on one worker.
 */
interface TileEpilogue {
    void apply(float[] out, int from, int to, int channel, int tile);

    /**
     * The epilogue of a tile that the pass holds transposed, {@code tile[pixel][channel]} ({@code channels}
     * floats a pixel, {@code pixels} pixels), written into the output channel by channel: channel c's
     * segment is {@code out[outOff + c * outStride ...]}, {@code pixels} floats. Returns false, having
     * done nothing, where it can only work on the output's segments ({@link #apply}); the pass then
     * writes them and calls that.
     */
    default boolean applyTransposed(float[] tile, int pixels, int channels, float[] out, int outOff, int outStride,
                                    int tileIndex) {
        return false;
    }
}

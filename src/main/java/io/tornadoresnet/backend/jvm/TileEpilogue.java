package io.tornadoresnet.backend.jvm;

/**
 * What {@link ConvRoutine#forward(float[], float[], TileEpilogue, float[], WorkerPool)} does to each tile of
 * a convolution's output right after writing it, while the tile is still in cache: one channel's
 * segment {@code [from, to)} of the output at a time. A pass's tiles are numbered from 0 to
 * {@link ConvRoutine#forwardTiles()}; they run on the pool's workers, each tile on one worker.
 */
interface TileEpilogue {
    void apply(float[] out, int from, int to, int channel, int tile);
}

package io.tornadoresnet.data;

import java.util.Objects;

/**
 * A loader that hands every call to the loader it wraps; a subclass overrides only what it adds.
 * Closing it closes the wrapped loader.
 */
public abstract class ForwardingLoader implements DataLoader {
    /** The loader every call goes to. */
    protected final DataLoader loader;

    protected ForwardingLoader(DataLoader loader) {
        this.loader = Objects.requireNonNull(loader, "loader");
    }

    @Override
    public int batchSize() {
        return loader.batchSize();
    }

    @Override
    public int batchesPerEpoch() {
        return loader.batchesPerEpoch();
    }

    @Override
    public void startEpoch(int epoch, int firstBatch) {
        loader.startEpoch(epoch, firstBatch);
    }

    @Override
    public Batch next() {
        return loader.next();
    }

    @Override
    public int skippedFiles() {
        return loader.skippedFiles();
    }

    @Override
    public void close() {
        loader.close();
    }
}

package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A data set of encoded images read from disk as they are needed: only the list of samples (where
 * each one is and its label) stays in memory, so a million images take tens of megabytes. Its
 * {@link #loader} decodes and augments on a pool of threads into a few reused batches
 * ({@link StreamingLoader}); {@link #image} decodes one image at the evaluation size (shorter side
 * resized to {@code resize}, centre crop). JPEG (RGB, gray, CMYK, YCCK), PNG and BMP are read, each
 * checked by its header before decoding ({@link Images#MAX_PIXELS}). A file that cannot be decoded
 * is left out with one warning line naming it, or is an error with {@code strict}.
 */
public abstract sealed class StreamingImages implements Dataset permits ImageFiles, TarShards {

    /**
     * How samples are decoded.
     *
     * @param threads  decoding threads of each loader
     * @param strict   a file that cannot be decoded stops the run, instead of being left out
     * @param warnings where the one-line warning about a file left out goes
     */
    public record Settings(int threads, boolean strict, Consumer<String> warnings) {
        public Settings {
            if (threads <= 0) {
                throw new IllegalArgumentException("decoding threads must be positive, not " + threads);
            }
            Objects.requireNonNull(warnings, "warnings");
        }

        /** A thread per core, files that cannot be decoded left out with a warning on stderr. */
        public static Settings defaults() {
            return new Settings(Runtime.getRuntime().availableProcessors(), false,
                    line -> System.err.println("warning: " + line));
        }

        public Settings withThreads(int threads) {
            return new Settings(threads, strict, warnings);
        }

        public Settings withStrict(boolean strict) {
            return new Settings(threads, strict, warnings);
        }

        public Settings withWarnings(Consumer<String> warnings) {
            return new Settings(threads, strict, warnings);
        }
    }

    /** The most images the per-pixel or per-channel statistics are computed from (evenly spaced). */
    static final int STATISTICS_SAMPLE = 10_000;

    private final String description;
    private final Shape shape;
    private final int resize;
    private final List<String> classNames;
    private final Settings settings;
    private final Set<Path> warned;

    StreamingImages(String description, Shape shape, int resize, List<String> classNames, Settings settings,
            Set<Path> warned) {
        Images.checkTarget(shape, resize);
        this.description = description;
        this.shape = shape;
        this.resize = resize;
        this.classNames = List.copyOf(classNames);
        this.settings = settings;
        this.warned = warned == null ? ConcurrentHashMap.newKeySet() : warned;
    }

    /** The shorter side of an image at evaluation, before its centre crop. */
    public int resize() {
        return resize;
    }

    public Settings settings() {
        return settings;
    }

    /** Where sample {@code i} is, for messages (a file, or a shard and its member). */
    abstract Path name(int i) throws IOException;

    /** The encoded bytes of sample {@code i}. */
    abstract byte[] read(int i) throws IOException;

    /**
     * The epochs of one loader: each {@link StreamingLoader.Order#open} gives the samples of one
     * epoch in order, from position {@code skip} on. A loader opens its epochs one after another,
     * never two at once, so what it returns may keep state from one epoch to the next.
     */
    abstract StreamingLoader.Order epochs();

    /** The samples {@code indices} only (order kept where the source allows; tar shards keep their file order). */
    abstract StreamingImages subset(int[] indices, String part);

    /**
     * A sample of a stream: its index and label, and where the source read them in order its bytes
     * and its name (else null: {@link #read} and {@link #name} give them).
     */
    record Sample(int index, int label, byte[] bytes, Path name) {
    }

    /** The samples of an epoch, one at a time, from one thread at a time. */
    interface SampleStream extends AutoCloseable {
        Sample next() throws IOException;

        @Override
        void close() throws IOException;
    }

    /** A stream over given indices, read one by one at random (the source's own order is not needed). */
    SampleStream indexStream(int[] order, int skip) {
        return new SampleStream() {
            private int position = skip;

            @Override
            public Sample next() {
                int i = order[position++];
                return new Sample(i, label(i), null, null);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public Shape imageShape() {
        return shape;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    /** A streaming loader: {@code settings().threads()} threads decode and augment into a few batches ahead. */
    @Override
    public DataLoader loader(int batchSize, BatchLoader.Options options) {
        return loader(batchSize, 0, 1, options);
    }

    /**
     * A streaming loader of one worker's rows of every global batch, decoding those alone (each
     * worker's loader has {@code settings().threads()} threads). Its {@link DataLoader#skippedFiles()}
     * counts the files of its own rows: the workers' counts add up to the whole batch's.
     */
    @Override
    public DataLoader loader(int globalBatch, int shard, int shards, BatchLoader.Options options) {
        ImageTransform transform = options.augmentation().needsDecoding()
                ? ImageTransform.training(shape, resize, options.augmentation())
                : ImageTransform.centre(shape, resize);
        return new StreamingLoader(this, globalBatch, shard, shards, options, transform);
    }

    /**
     * Decodes image {@code i} at the evaluation size.
     *
     * @throws UncheckedIOException wrapping a {@link DataFileException} when it cannot be decoded
     */
    @Override
    public void image(int i, float[] dst, int offset) {
        ImageTransform transform = ImageTransform.centre(shape, resize);
        try {
            transform.apply(transform.decode(read(i), name(i), shape.dim(0), null), 0, dst, offset, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The 10-crop test's batches: each image resized to {@code resize} on its shorter side, its
     * centre and four corner crops and their mirror images, ten consecutive rows per image.
     */
    public DataLoader tenCropLoader(int imagesPerBatch, Normalization normalization) {
        return new StreamingLoader(this, imagesPerBatch, BatchLoader.Options.evaluation(normalization),
                ImageTransform.tenCrop(imageShape(), resize));
    }

    /** One image at one scale of the multi-scale test: C x H x W floats in [0,1] and that shape. */
    public record ScaledImage(Shape shape, float[] pixels) {
    }

    /**
     * Image {@code i} resized so that its shorter side is {@code side}, whole and uncropped: the input
     * of the fully convolutional multi-scale test, whose height and width follow the image's own
     * aspect ratio. Safe to call from several threads at once.
     *
     * @return null when the file cannot be decoded: it is then left out with one warning line
     * @throws UncheckedIOException wrapping the {@link DataFileException} of a file that cannot be
     *                              decoded with {@code strict}, or the failure to read a source
     */
    public ScaledImage scaled(int i, int side) {
        int channels = shape.dim(0);
        Path name = null;
        try {
            name = name(i);
            ImageTransform.Decoded decoded = ImageTransform.decode(read(i), name, channels, side, null);
            Shape scaled = Shape.of(channels, Images.resizedHeight(decoded.height(), decoded.width(), side),
                    Images.resizedHeight(decoded.width(), decoded.height(), side));
            return new ScaledImage(scaled, ImageTransform.whole(decoded, side));
        } catch (DataFileException e) {
            try {
                skip(e, name == null ? Path.of(description) : name);
            } catch (DataFileException strict) {
                throw new UncheckedIOException(strict);
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loader of the statistics sample at the evaluation size, in order, without normalisation. */
    DataLoader statisticsLoader() {
        int[] sample = statisticsSample();
        return new StreamingLoader(this, 64, 0, 1, BatchLoader.Options.evaluation(Normalization.none()),
                ImageTransform.centre(imageShape(), resize), sample.length,
                (seed, epoch, shuffle, skip) -> indexStream(sample, skip));
    }

    /** Evenly spaced indices of at most {@link #STATISTICS_SAMPLE} images: those normalisation is computed from. */
    int[] statisticsSample() {
        int n = Math.min(size(), STATISTICS_SAMPLE);
        int[] indices = new int[n];
        for (int k = 0; k < n; k++) {
            indices[k] = (int) ((long) k * size() / n);
        }
        return indices;
    }

    /**
     * Reports a file left out: one warning line the first time it is met. With {@code strict} the
     * failure is thrown instead.
     */
    void skip(DataFileException failure, Path name) throws DataFileException {
        if (settings.strict()) {
            throw failure;
        }
        if (warned.add(name)) {
            settings.warnings().accept(failure.getMessage() + "; left out (--strict makes this an error)");
        }
    }

    Set<Path> warned() {
        return warned;
    }

    String description() {
        return description;
    }

    @Override
    public String toString() {
        return description + " (" + size() + " images of " + shape + ", " + numClasses() + " classes)";
    }
}

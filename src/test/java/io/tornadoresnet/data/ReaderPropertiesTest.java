package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.testing.CleanFailure;
import io.tornadoresnet.testing.Mutation;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Every data reader, fed random bytes and damaged copies of valid files, returns a consistent
 * data set or throws {@link DataFileException}; never another exception, a hang or an
 * allocation its input's size does not justify.
 */
class ReaderPropertiesTest {
    private static final int TRIES = 300;
    /** What a reader may allocate beyond a few times the file's size: buffers and bookkeeping. */
    private static final long SLACK_BYTES = 8L << 20;

    private Path dir;

    @BeforeProperty
    void createDirectory() throws IOException {
        dir = Files.createTempDirectory("reader-properties");
    }

    @AfterProperty
    void deleteDirectory() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.lists();
    }

    @Provide
    Arbitrary<byte[]> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(4096);
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private void readIdx(byte[] images, byte[] labels) throws IOException {
        Path imagesFile = Files.write(dir.resolve("train-images-idx3-ubyte"), images);
        Path labelsFile = Files.write(dir.resolve("train-labels-idx1-ubyte"), labels);
        long limit = 4L * (images.length + labels.length) + SLACK_BYTES;
        CleanFailure.read(() -> Idx.read(imagesFile, labelsFile, Idx.DIGITS), DataFileException.class,
                dir.toString(), limit);
    }

    @Property(tries = TRIES)
    void idxSurvivesDamage(@ForAll("mutations") List<Mutation> toImages, @ForAll("mutations") List<Mutation> toLabels,
            @ForAll boolean damageLabels, @ForAll boolean gzipBefore, @ForAll boolean gzipAfter) throws IOException {
        byte[] images = TestData.idxImages(5, 6, 4, TestData.randomBytes(5 * 6 * 4, 1));
        byte[] labels = TestData.idxLabels(new byte[] {0, 9, 3, 3, 7});
        if (gzipBefore) {
            images = gzip(images);
            labels = gzip(labels);
        }
        images = Mutation.applyAll(toImages, images);
        labels = damageLabels ? Mutation.applyAll(toLabels, labels) : labels;
        if (gzipAfter) {
            images = gzip(images);
            labels = gzip(labels);
        }
        readIdx(images, labels);
    }

    @Property(tries = TRIES)
    void idxSurvivesRandomBytes(@ForAll("randomBytes") byte[] images, @ForAll("randomBytes") byte[] labels)
            throws IOException {
        readIdx(images, labels);
    }

    private void readCifar(byte[] batch) throws IOException {
        Files.write(dir.resolve("test_batch.bin"), batch);
        Optional<InMemoryDataset> result = CleanFailure.read(() -> Cifar.load10(dir, false), DataFileException.class,
                dir.toString(), 4L * batch.length + SLACK_BYTES);
        result.ifPresent(ds -> assertEquals(batch.length / 3073, ds.size()));
    }

    @Property(tries = TRIES)
    void cifarSurvivesDamage(@ForAll("mutations") List<Mutation> mutations) throws IOException {
        byte[][] labels = {{1}, {9}, {0}};
        readCifar(Mutation.applyAll(mutations, TestData.cifarRecords(labels, TestData.randomBytes(3 * 3072, 2))));
    }

    @Property(tries = TRIES)
    void cifarSurvivesRandomBytes(@ForAll("randomBytes") byte[] batch) throws IOException {
        readCifar(batch);
    }

    private static byte[] encoded(String format) {
        BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 6; x++) {
                img.setRGB(x, y, (40 * x) << 16 | (50 * y) << 8 | 99);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static final byte[] PNG = encoded("png");
    private static final byte[] JPEG = encoded("jpg");

    /**
     * One image decoded on the calling thread. The decoder may reserve what a header claims up to
     * {@link Images#MAX_PIXELS}, so the allocation bound is that limit's decoding cost.
     */
    private void readImage(String name, byte[] content) throws IOException {
        Path file = Files.write(dir.resolve(name), content);
        Shape shape = Shape.of(3, 4, 4);
        CleanFailure.read(() -> Images.load(file, shape, 4), DataFileException.class, file.toString(),
                64L * Images.MAX_PIXELS);
    }

    @Property(tries = TRIES)
    void imagesSurviveDamage(@ForAll("mutations") List<Mutation> mutations, @ForAll boolean jpeg) throws IOException {
        readImage(jpeg ? "x.jpg" : "x.png", Mutation.applyAll(mutations, jpeg ? JPEG : PNG));
    }

    @Property(tries = TRIES)
    void imagesSurviveRandomBytes(@ForAll("randomBytes") byte[] content) throws IOException {
        readImage("random.png", content);
    }
}

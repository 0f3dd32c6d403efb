package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tornadoresnet.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxTest {
    private static final int N = 7;
    private static final byte[] PIXELS = TestData.randomBytes(N * 4 * 3, 1);
    private static final byte[] LABELS = {3, 0, 9, 1, 1, 5, 2};

    @TempDir
    Path dir;

    private void writeSet(String prefix, boolean gzip) throws IOException {
        String gz = gzip ? ".gz" : "";
        TestData.write(dir.resolve(prefix + "-images-idx3-ubyte" + gz), TestData.idxImages(N, 4, 3, PIXELS), gzip);
        TestData.write(dir.resolve(prefix + "-labels-idx1-ubyte" + gz), TestData.idxLabels(LABELS), gzip);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsPixelsAndLabelsExactly(boolean gzip) throws IOException {
        writeSet("train", gzip);
        InMemoryDataset ds = Idx.load(dir, true, Idx.FASHION_MNIST_CLASSES);
        assertEquals(N, ds.size());
        assertEquals(Shape.of(1, 4, 3), ds.imageShape());
        assertEquals(10, ds.numClasses());
        assertEquals("Ankle boot", ds.classNames().get(9));
        float[] all = new float[N * 12 + 5];
        for (int i = 0; i < N; i++) {
            assertEquals(LABELS[i], ds.label(i));
            ds.image(i, all, 5 + i * 12);
        }
        for (int j = 0; j < PIXELS.length; j++) {
            assertEquals((PIXELS[j] & 0xFF) / 255f, all[5 + j]);
        }
    }

    @Test
    void recognisesGzipByContentAndReadsTestPart() throws IOException {
        TestData.write(dir.resolve("t10k-images-idx3-ubyte"), TestData.idxImages(N, 4, 3, PIXELS), true);
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), TestData.idxLabels(LABELS), false);
        InMemoryDataset ds = Idx.load(dir, false, Idx.DIGITS);
        assertEquals(N, ds.size());
        assertEquals(PIXELS[12 + 5] & 0xFF, Math.round(TestData.image(ds, 1)[5] * 255));
    }

    @Test
    void missingFileNamesWhatIsExpected() throws IOException {
        writeSet("train", true);
        Files.delete(dir.resolve("train-labels-idx1-ubyte.gz"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Idx.load(dir, true, Idx.DIGITS));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte.gz"), e.getMessage());
        NoSuchFileException noDir = assertThrows(NoSuchFileException.class,
                () -> Idx.load(dir.resolve("nowhere"), true, Idx.DIGITS));
        assertTrue(noDir.getMessage().contains("does not exist"), noDir.getMessage());
    }

    @Test
    void wrongMagicIsReported() throws IOException {
        TestData.write(dir.resolve("train-images-idx3-ubyte"), TestData.idxLabels(LABELS), false);
        TestData.write(dir.resolve("train-labels-idx1-ubyte"), TestData.idxLabels(LABELS), false);
        IOException e = assertThrows(IOException.class, () -> Idx.load(dir, true, Idx.DIGITS));
        assertTrue(e.getMessage().contains("wrong magic number 0x00000801, expected 0x00000803"), e.getMessage());
        assertTrue(e.getMessage().contains("swapped"), e.getMessage());
    }

    @Test
    void countMismatchIsReported() throws IOException {
        TestData.write(dir.resolve("train-images-idx3-ubyte"), TestData.idxImages(N, 4, 3, PIXELS), false);
        TestData.write(dir.resolve("train-labels-idx1-ubyte"), TestData.idxLabels(Arrays.copyOf(LABELS, 6)), false);
        IOException e = assertThrows(IOException.class, () -> Idx.load(dir, true, Idx.DIGITS));
        assertEquals(dir.resolve("train-labels-idx1-ubyte") + ": has 6 labels but "
                + dir.resolve("train-images-idx3-ubyte") + " has 7 images", e.getMessage());
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        byte[] images = TestData.idxImages(N, 4, 3, PIXELS);
        TestData.write(dir.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(images, images.length - 1), true);
        TestData.write(dir.resolve("train-labels-idx1-ubyte.gz"), TestData.idxLabels(LABELS), true);
        IOException e = assertThrows(IOException.class, () -> Idx.load(dir, true, Idx.DIGITS));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void labelOutsideTheClassesIsReported() throws IOException {
        writeSet("train", false);
        DataFileException e = assertThrows(DataFileException.class,
                () -> Idx.load(dir, true, Idx.DIGITS.subList(0, 9)));
        assertEquals(dir.resolve("train-labels-idx1-ubyte") + ": label 9 of image 2 is outside 0..8", e.getMessage());
    }

    private DataFileException loadFails() {
        return assertThrows(DataFileException.class, () -> Idx.load(dir, true, Idx.DIGITS));
    }

    @Test
    void emptyFileIsReportedAsEmpty() throws IOException {
        writeSet("train", false);
        Files.write(dir.resolve("train-images-idx3-ubyte"), new byte[0]);
        assertEquals(dir.resolve("train-images-idx3-ubyte") + ": empty file (0 bytes), not an IDX file",
                loadFails().getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void hugeHeaderIsRefusedBeforeAnythingIsAllocated(boolean gzip) throws IOException {
        writeSet("train", false);
        String gz = gzip ? ".gz" : "";
        Files.delete(dir.resolve("train-images-idx3-ubyte"));
        TestData.write(dir.resolve("train-images-idx3-ubyte" + gz), TestData.idxImages(Integer.MIN_VALUE, 65535, 65535,
                new byte[0]), gzip);
        assertEquals(dir.resolve("train-images-idx3-ubyte" + gz) + ": implausible IDX header (2147483648 images of"
                + " 65535x65535), more than the 2147483639 bytes an in-memory data set holds", loadFails().getMessage());
    }

    @Test
    void headerWhoseSizeOverflowsALongIsRefused() throws IOException {
        writeSet("train", false);
        Files.delete(dir.resolve("train-images-idx3-ubyte"));
        TestData.write(dir.resolve("train-images-idx3-ubyte"), TestData.idxImages(3, Integer.MAX_VALUE,
                Integer.MAX_VALUE, new byte[0]), false);
        assertEquals(dir.resolve("train-images-idx3-ubyte") + ": implausible IDX header (3 images of"
                + " 2147483647x2147483647), more than the 2147483639 bytes an in-memory data set holds",
                loadFails().getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void headerClaimingMoreThanTheFileHoldsIsReportedWithBothSizes(boolean gzip) throws IOException {
        writeSet("train", false);
        String gz = gzip ? ".gz" : "";
        Files.delete(dir.resolve("train-images-idx3-ubyte"));
        TestData.write(dir.resolve("train-images-idx3-ubyte" + gz), TestData.idxImages(1_000_000, 40, 50, PIXELS), gzip);
        assertEquals(dir.resolve("train-images-idx3-ubyte" + gz) + ": its header announces 2000000000 bytes of data"
                + " but the file holds " + PIXELS.length + " (truncated download?)", loadFails().getMessage());
    }

    @Test
    void dataBeyondWhatTheHeaderAnnouncesIsReported() throws IOException {
        writeSet("train", false);
        TestData.write(dir.resolve("train-labels-idx1-ubyte"),
                Arrays.copyOf(TestData.idxLabels(LABELS), 8 + N + 3), false);
        assertTrue(loadFails().getMessage().endsWith("train-labels-idx1-ubyte: holds more data than its header"
                + " announces (not an IDX file, or a corrupt header)"));
    }

    @Test
    void corruptGzipIsReported() throws IOException {
        writeSet("train", false);
        byte[] garbage = TestData.randomBytes(200, 3);
        garbage[0] = 0x1f;
        garbage[1] = (byte) 0x8b;
        Files.write(dir.resolve("train-images-idx3-ubyte"), garbage);
        assertTrue(loadFails().getMessage().startsWith(dir.resolve("train-images-idx3-ubyte") + ": corrupt gzip data"));
    }

    @Test
    void directoryGivenAsAFileIsReported() throws IOException {
        writeSet("train", false);
        DataFileException e = assertThrows(DataFileException.class,
                () -> Idx.read(dir, dir.resolve("train-labels-idx1-ubyte"), Idx.DIGITS));
        assertEquals(dir + ": is a directory, not an IDX file", e.getMessage());
    }

    @Test
    void readsTheRealFashionMnist() throws IOException {
        Path real = Path.of("/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isDirectory(real), "Fashion-MNIST is not installed in " + real);
        for (boolean train : new boolean[] {true, false}) {
            InMemoryDataset ds = Idx.load(real, train, Idx.FASHION_MNIST_CLASSES);
            assertEquals(train ? 60000 : 10000, ds.size());
            assertEquals(Shape.of(1, 28, 28), ds.imageShape());
            int[] perClass = new int[10];
            for (int i = 0; i < ds.size(); i++) {
                perClass[ds.label(i)]++;
            }
            for (int count : perClass) {
                assertEquals(ds.size() / 10, count, "Fashion-MNIST is balanced");
            }
        }
    }
}

package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarTest {
    @TempDir
    Path root;

    /** Writes {@code records} records with labels {@code first, first+1, ...} and returns their pixels. */
    private static byte[] writeBatch(Path file, int records, int labelBytes, int first) throws IOException {
        byte[] pixels = TestData.randomBytes(records * 3072, file.hashCode() + first);
        byte[][] labels = new byte[records][labelBytes];
        for (int r = 0; r < records; r++) {
            labels[r][labelBytes - 1] = (byte) (first + r);
            labels[r][0] = (byte) (labelBytes == 2 ? 19 - r : first + r);
        }
        TestData.write(file, TestData.cifarRecords(labels, pixels), false);
        return pixels;
    }

    private static void assertImages(InMemoryDataset ds, int from, byte[] pixels) {
        int records = pixels.length / 3072;
        for (int r = 0; r < records; r++) {
            float[] image = TestData.image(ds, from + r);
            for (int j = 0; j < 3072; j++) {
                assertEquals((pixels[r * 3072 + j] & 0xFF) / 255f, image[j]);
            }
        }
    }

    @Test
    void readsTheFiveTrainingBatchesInOrder() throws IOException {
        Path home = root.resolve("cifar-10-batches-bin");
        byte[][] batches = new byte[5][];
        for (int b = 0; b < 5; b++) {
            batches[b] = writeBatch(home.resolve("data_batch_" + (b + 1) + ".bin"), 2, 1, 2 * b);
        }
        InMemoryDataset ds = Cifar.load10(root, true);
        assertEquals(10, ds.size());
        assertEquals(Shape.of(3, 32, 32), ds.imageShape());
        assertEquals(Cifar.CIFAR10_CLASSES, ds.classNames());
        for (int b = 0; b < 5; b++) {
            assertImages(ds, 2 * b, batches[b]);
            assertEquals(2 * b, ds.label(2 * b));
            assertEquals(2 * b + 1, ds.label(2 * b + 1));
        }
    }

    @Test
    void readsTheTestBatchAndClassNamesFromTheDirectoryItself() throws IOException {
        byte[] pixels = writeBatch(root.resolve("test_batch.bin"), 3, 1, 4);
        Files.writeString(root.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
        InMemoryDataset ds = Cifar.load10(root, false);
        assertEquals(3, ds.size());
        assertEquals(List.of(4, 5, 6), List.of(ds.label(0), ds.label(1), ds.label(2)));
        assertEquals("e", ds.classNames().get(4));
        assertImages(ds, 0, pixels);
    }

    @Test
    void cifar100UsesTheFineLabel() throws IOException {
        Path home = root.resolve("cifar-100-binary");
        byte[] pixels = writeBatch(home.resolve("train.bin"), 4, 2, 96);
        InMemoryDataset ds = Cifar.load100(root, true);
        assertEquals(4, ds.size());
        assertEquals(List.of(96, 97, 98, 99), List.of(ds.label(0), ds.label(1), ds.label(2), ds.label(3)));
        assertEquals("worm", ds.classNames().get(99));
        assertImages(ds, 0, pixels);
        assertThrows(NoSuchFileException.class, () -> Cifar.load100(root, false));
    }

    @Test
    void cifar100ClassNamesAreTheHundredFineLabels() throws IOException {
        assertEquals(100, new HashSet<>(Cifar.CIFAR100_CLASSES).size());
        writeBatch(root.resolve("test.bin"), 1, 2, 0);
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            names.append("fine").append(i).append('\n');
        }
        Files.writeString(root.resolve("fine_label_names.txt"), names);
        assertEquals("fine42", Cifar.load100(root, false).classNames().get(42));
    }

    @Test
    void missingBatchIsReported() throws IOException {
        Path home = root.resolve("cifar-10-batches-bin");
        for (int b = 1; b <= 4; b++) {
            writeBatch(home.resolve("data_batch_" + b + ".bin"), 1, 1, 0);
        }
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Cifar.load10(root, true));
        assertTrue(e.getMessage().contains("data_batch_5.bin"), e.getMessage());
        NoSuchFileException none = assertThrows(NoSuchFileException.class, () -> Cifar.load10(root, false));
        assertTrue(none.getMessage().contains("binary version"), none.getMessage());
    }

    @Test
    void sizeThatIsNotWholeRecordsIsReported() throws IOException {
        TestData.write(root.resolve("test_batch.bin"), new byte[3073 * 2 + 1], false);
        IOException e = assertThrows(IOException.class, () -> Cifar.load10(root, false));
        assertTrue(e.getMessage().contains("not a whole number of 3073-byte records"), e.getMessage());
    }

    @Test
    void wrongNumberOfClassNamesIsReported() throws IOException {
        writeBatch(root.resolve("test_batch.bin"), 1, 1, 0);
        Files.writeString(root.resolve("batches.meta.txt"), "a\nb\n");
        IOException e = assertThrows(IOException.class, () -> Cifar.load10(root, false));
        assertTrue(e.getMessage().contains("lists 2 class names, expected 10"), e.getMessage());
    }

    @Test
    void emptyBatchIsReported() throws IOException {
        TestData.write(root.resolve("test_batch.bin"), new byte[0], false);
        DataFileException e = assertThrows(DataFileException.class, () -> Cifar.load10(root, false));
        assertTrue(e.getMessage().startsWith(root.resolve("test_batch.bin") + ": 0 bytes is not a whole number"),
                e.getMessage());
    }

    @Test
    void labelOutsideTheClassesNamesTheFileAndRecord() throws IOException {
        writeBatch(root.resolve("test_batch.bin"), 12, 1, 0);
        DataFileException e = assertThrows(DataFileException.class, () -> Cifar.load10(root, false));
        assertEquals(root.resolve("test_batch.bin") + ": record 10 has label 10, outside 0..9; not a cifar10 test"
                + " binary file", e.getMessage());
    }

    @Test
    void classNamesThatAreNotTextAreReported() throws IOException {
        writeBatch(root.resolve("test_batch.bin"), 1, 1, 0);
        Files.write(root.resolve("batches.meta.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x41});
        DataFileException e = assertThrows(DataFileException.class, () -> Cifar.load10(root, false));
        assertEquals(root.resolve("batches.meta.txt") + ": is not UTF-8 text", e.getMessage());
    }
}

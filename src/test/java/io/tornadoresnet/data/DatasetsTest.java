package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.tensor.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path dir;

    private void png(String path) throws IOException {
        Path file = dir.resolve(path);
        Files.createDirectories(file.getParent());
        ImageIO.write(new BufferedImage(5, 5, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
    }

    @Test
    void opensEachKindByName() throws IOException {
        TestData.write(dir.resolve("idx/t10k-images-idx3-ubyte.gz"), TestData.idxImages(2, 28, 28, new byte[2 * 784]), true);
        TestData.write(dir.resolve("idx/t10k-labels-idx1-ubyte.gz"), TestData.idxLabels(new byte[] {9, 0}), true);
        Dataset fashion = Datasets.open("fashion-mnist", dir.resolve("idx"), false);
        assertEquals("Ankle boot", fashion.classNames().get(fashion.label(0)));
        assertEquals("9", Datasets.open("mnist", dir.resolve("idx"), false).classNames().get(9));
        TestData.write(dir.resolve("c10/test_batch.bin"), new byte[3073], false);
        assertEquals(Shape.of(3, 32, 32), Datasets.open("cifar10", dir.resolve("c10"), false).imageShape());
        TestData.write(dir.resolve("c100/cifar-100-binary/test.bin"), new byte[3074], false);
        assertEquals(100, Datasets.open("cifar100", dir.resolve("c100"), false).numClasses());
        IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class,
                () -> Datasets.open("cifar10", dir.resolve("c10"), false, Shape.of(1, 28, 28), 0));
        assertTrue(wrongShape.getMessage().contains("cifar10 images are 3x32x32"), wrongShape.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Datasets.open("imagenet", dir, true));
        assertTrue(unknown.getMessage().contains("fashion-mnist, mnist, cifar10, cifar100, folder"));
        assertEquals(Path.of("/usr/share/datasets/fashion-mnist"), Datasets.defaultDir("fashion-mnist"));
    }

    @Test
    void folderUsesTrainAndTestOrValSubdirectories() throws IOException {
        Shape shape = Shape.of(3, 4, 4);
        assertThrows(IllegalArgumentException.class, () -> Datasets.open("folder", dir, true));
        png("flat/cat/1.png");
        assertEquals(1, Datasets.open("folder", dir.resolve("flat"), true, shape, 5).size());
        assertThrows(NoSuchFileException.class, () -> Datasets.open("folder", dir.resolve("flat"), false, shape, 5));
        png("split/train/cat/1.png");
        png("split/train/dog/1.png");
        png("split/val/cat/1.png");
        assertEquals(List.of("cat", "dog"), Datasets.open("folder", dir.resolve("split"), true, shape, 5).classNames());
        assertEquals(1, Datasets.open("folder", dir.resolve("split"), false, shape, 5).size());
        png("testonly/test/cat/1.png");
        assertThrows(NoSuchFileException.class, () -> Datasets.open("folder", dir.resolve("testonly"), true, shape, 5));
    }
}

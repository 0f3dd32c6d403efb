package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.tensor.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    private static final Shape RGB = Shape.of(3, 4, 4);

    private static final StreamingImages.Settings QUIET = StreamingImages.Settings.defaults().withThreads(2)
            .withWarnings(line -> { });

    @TempDir
    Path root;

    private ImageFiles folder(Shape shape, int resize) throws IOException {
        return ImageFiles.open(root, null, shape, resize, QUIET);
    }

    /** An RGB image whose pixel (x, y) is (10x + y, 100 + y, 200 - x). */
    private static BufferedImage gradient(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((10 * x + y) << 16) | ((100 + y) << 8) | (200 - x));
            }
        }
        return img;
    }

    private static BufferedImage uniform(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    private static Path write(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        String format = file.toString().toLowerCase().endsWith(".png") ? "png" : "jpg";
        assertTrue(ImageIO.write(img, format, file.toFile()));
        return file;
    }

    private static float at(float[] image, Shape shape, int c, int y, int x) {
        return image[(c * shape.dim(1) + y) * shape.dim(2) + x] * 255f;
    }

    @Test
    void readsPngExactlyWithClassesSortedByName() throws IOException {
        write(uniform(4, 4, 0x102030), root.resolve("zebra/b.png"));
        write(gradient(4, 4), root.resolve("ant/nested/a.PNG"));
        write(uniform(4, 4, 0x405060), root.resolve("zebra/a.png"));
        write(uniform(4, 4, 0), root.resolve(".hidden/x.png"));
        Files.writeString(root.resolve("ant/notes.txt"), "not an image");
        ImageFiles ds = folder(RGB, 4);
        assertEquals(List.of("ant", "zebra"), ds.classNames());
        assertEquals(3, ds.size());
        assertEquals(List.of(0, 1, 1), List.of(ds.label(0), ds.label(1), ds.label(2)));
        float[] g = TestData.image(ds, 0);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertEquals(10 * x + y, at(g, RGB, 0, y, x), 1e-4);
                assertEquals(100 + y, at(g, RGB, 1, y, x), 1e-4);
                assertEquals(200 - x, at(g, RGB, 2, y, x), 1e-4);
            }
        }
        assertEquals(0x40, at(TestData.image(ds, 1), RGB, 0, 0, 0), 1e-4);
        assertEquals(0x10, at(TestData.image(ds, 2), RGB, 0, 0, 0), 1e-4);
    }

    @Test
    void grayIsExpandedToRgbWithoutAGammaCurve() throws IOException {
        BufferedImage gray = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(1, 2, 0, 77);
        write(gray, root.resolve("c/g.png"));
        float[] image = TestData.image(folder(RGB, 4), 0);
        for (int c = 0; c < 3; c++) {
            assertEquals(77, at(image, RGB, c, 2, 1), 1e-4);
            assertEquals(0, at(image, RGB, c, 0, 0), 1e-4);
        }
    }

    @Test
    void rgbBecomesLumaForOneChannel() throws IOException {
        Path file = write(uniform(4, 4, 0xC86432), root.resolve("c/a.png"));
        float[] image = Images.load(file, Shape.of(1, 4, 4));
        assertEquals(0.299 * 0xC8 + 0.587 * 0x64 + 0.114 * 0x32, at(image, Shape.of(1, 4, 4), 0, 3, 3), 0.5);
    }

    @Test
    void shorterSideIsResizedAndTheCentreCropped() throws IOException {
        // 16 wide, 8 high -> resize 4 makes it 8x4, whose centre 4x4 starts at column 2.
        Path file = write(uniform(16, 8, 0x336699), root.resolve("c/wide.png"));
        float[] image = Images.load(file, RGB, 4);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertEquals(0x33, at(image, RGB, 0, y, x), 1e-4);
                assertEquals(0x99, at(image, RGB, 2, y, x), 1e-4);
            }
        }
        // No resize (shorter side already 4): the crop keeps columns 2..5 of an 8x4 gradient.
        float[] crop = Images.load(write(gradient(8, 4), root.resolve("c/g.png")), RGB);
        assertEquals(10 * 2 + 1, at(crop, RGB, 0, 1, 0), 1e-4);
        assertEquals(10 * 5 + 3, at(crop, RGB, 0, 3, 3), 1e-4);
    }

    @Test
    void downscalingAveragesAndUpscalingInterpolates() throws IOException {
        BufferedImage checker = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                checker.setRGB(x, y, (x + y) % 2 == 0 ? 0xFFFFFF : 0);
            }
        }
        float[] small = Images.load(write(checker, root.resolve("c/checker.png")), Shape.of(1, 2, 2));
        for (float v : small) {
            assertEquals(127.5, v * 255, 1.0, "antialiased: a 2x2 of an 8x8 checkerboard is mid-gray");
        }
        BufferedImage ramp = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        ramp.getRaster().setSample(1, 0, 0, 200);
        ramp.getRaster().setSample(1, 1, 0, 200);
        float[] big = Images.load(write(ramp, root.resolve("c/ramp.png")), Shape.of(1, 4, 4));
        assertEquals(0, big[0] * 255, 1e-3);
        assertEquals(50, big[1] * 255, 0.5);
        assertEquals(150, big[2] * 255, 0.5);
        assertEquals(200, big[3] * 255, 1e-3);
    }

    @Test
    void jpegDecodesCloselyAndSingleImagesMatchTheDataSet() throws IOException {
        Path file = write(uniform(6, 6, 0x80C040), root.resolve("c/photo.jpg"));
        write(gradient(6, 6), root.resolve("c/photo2.jpeg"));
        ImageFiles ds = folder(RGB, 5);
        assertEquals(2, ds.size());
        float[] image = TestData.image(ds, 0);
        assertEquals(0x80, at(image, RGB, 0, 1, 1), 6);
        assertEquals(0xC0, at(image, RGB, 1, 1, 1), 6);
        assertEquals(0x40, at(image, RGB, 2, 1, 1), 6);
        assertArrayEquals(image, Images.load(file, RGB, 5));
    }

    @Test
    void jpegFrameHeadersTellTheComponents() throws IOException {
        assertEquals(3, Images.jpegComponents(ImageFixtures.encode(gradient(6, 6), "jpg")));
        BufferedImage gray = new BufferedImage(6, 6, BufferedImage.TYPE_BYTE_GRAY);
        assertEquals(1, Images.jpegComponents(ImageFixtures.encode(gray, "jpg")));
        assertEquals(4, Images.jpegComponents(ImageFixtures.cmykJpeg(6, 6, 0, 0, 0, 0)));
        assertEquals(0, Images.jpegComponents(ImageFixtures.encode(gradient(6, 6), "png")));
        assertEquals(0, Images.jpegComponents(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}));
    }

    @Test
    void badFoldersGiveClearErrors() throws IOException {
        IOException noClasses = assertThrows(IOException.class, () -> folder(RGB, 4));
        assertTrue(noClasses.getMessage().contains("no class folders"), noClasses.getMessage());
        Files.createDirectories(root.resolve("empty"));
        IOException noImages = assertThrows(IOException.class, () -> folder(RGB, 4));
        assertTrue(noImages.getMessage().endsWith(": no images (.jpg, .jpeg, .png or .bmp)"), noImages.getMessage());
        write(uniform(4, 4, 0), root.resolve("full/a.png"));
        assertThrows(IllegalArgumentException.class, () -> folder(RGB, 3));
        assertThrows(IllegalArgumentException.class, () -> folder(Shape.of(2, 4, 4), 4));
    }

    private DataFileException decodeFails(String name, byte[] content) throws IOException {
        return decodeFails(name, content, 4);
    }

    private DataFileException decodeFails(String name, byte[] content, int resize) throws IOException {
        Path file = root.resolve("c").resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        DataFileException e = assertThrows(DataFileException.class, () -> Images.load(file, RGB, resize));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().indexOf('\n') < 0, e.getMessage());
        return e;
    }

    @Test
    void hugeImageIsRefusedFromItsHeader() throws IOException {
        DataFileException e = decodeFails("huge.png", ImageFixtures.pngClaiming(30000, 30000));
        assertTrue(e.getMessage().endsWith(": its header says 30000x30000 pixels; images of more than 33554432"
                + " pixels are refused"), e.getMessage());
    }

    @Test
    void extremeAspectRatioIsRefusedBeforeResizing() throws IOException {
        DataFileException e = decodeFails("tall.png", ImageFixtures.pngClaiming(1, 1 << 20), 64);
        assertTrue(e.getMessage().endsWith(": is 1x1048576 pixels; resizing its shorter side to 64 takes"
                + " 4294967296 pixels, more than the 33554432 allowed"), e.getMessage());
    }

    @Test
    void emptyTruncatedAndNonImageFilesAreReported() throws IOException {
        assertTrue(decodeFails("empty.png", new byte[0]).getMessage().endsWith(": empty file (0 bytes), not an image"));
        Files.delete(root.resolve("c/empty.png"));
        assertTrue(decodeFails("text.jpg", "just text".getBytes()).getMessage()
                .endsWith(": not an image: no decoder recognises its content"));
        Files.delete(root.resolve("c/text.jpg"));
        byte[] png = ImageFixtures.pngClaiming(4, 4);
        assertTrue(decodeFails("cut.png", java.util.Arrays.copyOf(png, png.length / 2)).getMessage()
                .contains(": corrupt or unsupported PNG image: "));
    }
}

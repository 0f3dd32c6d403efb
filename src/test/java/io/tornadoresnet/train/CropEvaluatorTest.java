package io.tornadoresnet.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.data.Datasets;
import io.tornadoresnet.data.InMemoryDataset;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.data.StreamingImages;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mirror, 10-crop and multi-scale tests against the same scores computed view by view, image by image. */
class CropEvaluatorTest {
    private static final Shape SHAPE = Shape.of(3, 8, 8);
    private static final int CLASSES = 3;

    @TempDir
    Path root;

    private final List<Path> files = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();

    /** Seven images of 10x12 pixels (the shorter side already the resize, so crops are plain windows). */
    private StreamingImages data() throws IOException {
        return data(i -> new int[] {10, 12});
    }

    /** Seven images, image i of {@code size.apply(i)} = {width, height} pixels. */
    private StreamingImages data(IntFunction<int[]> size) throws IOException {
        for (int i = 0; i < 7; i++) {
            int width = size.apply(i)[0];
            int height = size.apply(i)[1];
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int r = (37 * i + 23 * x + 5 * y) % 256;
                    int g = (91 * i + 7 * x * y) % 256;
                    int b = (13 * i + 31 * y) % 256;
                    img.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            String cls = "c" + (i % CLASSES);
            Path file = root.resolve("val/" + cls + "/img" + i + ".png");
            Files.createDirectories(file.getParent());
            assertTrue(ImageIO.write(img, "png", file.toFile()));
        }
        StreamingImages data = (StreamingImages) Datasets.open("folder", root, false, SHAPE, 10,
                StreamingImages.Settings.defaults().withThreads(2));
        for (int i = 0; i < data.size(); i++) {
            labels.add(data.label(i));
        }
        try (var list = Files.walk(root.resolve("val"))) {
            list.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        return data;
    }

    private static ResNet model(Shape shape) {
        ResNet model = ResNets.create("resnet8", shape, CLASSES);
        model.initialize(11);
        // sharper scores than at initialisation, so that averaging the wrong views would show
        for (float[] w : new float[][] {model.stateDict().get("fc.weight").data()}) {
            for (int j = 0; j < w.length; j++) {
                w[j] *= 8;
            }
        }
        return model;
    }

    private static Normalization normalization() {
        return Normalization.of(Normalization.Kind.CHANNEL_MEAN_STD, SHAPE, new float[] {0.4f, 0.5f, 0.45f},
                new float[] {0.25f, 0.2f, 0.3f});
    }

    /** Softmax scores of one view, run alone. */
    private static float[] scores(Backend backend, ResNet model, float[] view, Normalization normalization) {
        Plan plan = model.compileInference(1);
        try (Backend.Executable inference = backend.compile(plan)) {
            inference.pushModelState();
            float[] input = view.clone();
            normalization.forShape(model.imageShape()).apply(input, 0, 1);
            System.arraycopy(input, 0, plan.input().data(), 0, input.length);
            plan.labels()[0] = -1;
            inference.run();
            return plan.probabilities().data().clone();
        }
    }

    /** The 8x8 window at (top, left) of a 10x12 file, mirrored if asked, as [0,1] floats. */
    private static float[] window(Path file, int top, int left, boolean mirrored) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        float[] out = new float[SHAPE.size()];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                int rgb = img.getRGB(left + (mirrored ? 7 - x : x), top + y);
                out[y * 8 + x] = ((rgb >> 16) & 0xFF) / 255f;
                out[64 + y * 8 + x] = ((rgb >> 8) & 0xFF) / 255f;
                out[128 + y * 8 + x] = (rgb & 0xFF) / 255f;
            }
        }
        return out;
    }

    private record Expected(double loss, double accuracy) {
    }

    private Expected expected(List<float[]> averaged) {
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < averaged.size(); i++) {
            float[] p = averaged.get(i);
            int best = 0;
            for (int k = 1; k < CLASSES; k++) {
                best = p[k] > p[best] ? k : best;
            }
            correct += best == labels.get(i) ? 1 : 0;
            loss -= Math.log(p[labels.get(i)]);
        }
        return new Expected(loss / averaged.size(), (double) correct / averaged.size());
    }

    /**
     * Seven images, held in memory, in three passes of three (the last one partial). The mean image
     * is not symmetric, so that mirroring after normalising would show; neither are the images.
     */
    @Test
    void mirrorTestAveragesEachImageAndItsMirrorImage() {
        int size = SHAPE.size();
        byte[] pixels = new byte[7 * size];
        int[] labelOf = new int[7];
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < size; j++) {
                pixels[i * size + j] = (byte) ((37 * i + 29 * j + j * j / 5) % 256);
            }
            labelOf[i] = i % CLASSES;
            labels.add(labelOf[i]);
        }
        InMemoryDataset data = new InMemoryDataset("test", SHAPE, List.of("a", "b", "c"), pixels, labelOf);
        float[] meanImage = new float[size];
        for (int j = 0; j < size; j++) {
            meanImage[j] = (j % 8) / 16f;
        }
        Normalization normalization = Normalization.of(Normalization.Kind.PIXEL_MEAN, SHAPE, meanImage, new float[0]);
        ResNet model = model(SHAPE);
        try (Backend backend = new JvmBackend(2)) {
            List<float[]> averaged = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                float[] image = new float[size];
                data.image(i, image, 0);
                float[] mirror = new float[size];
                for (int row = 0; row < size; row += 8) {
                    for (int x = 0; x < 8; x++) {
                        mirror[row + x] = image[row + 7 - x];
                    }
                }
                float[] p = scores(backend, model, image, normalization);
                float[] q = scores(backend, model, mirror, normalization);
                float[] mean = new float[CLASSES];
                for (int k = 0; k < CLASSES; k++) {
                    mean[k] = (p[k] + q[k]) / 2;
                }
                averaged.add(mean);
            }
            Expected expected = expected(averaged);
            Evaluator.Evaluation e = CropEvaluator.mirrored(backend, model, data, normalization, 3);
            assertEquals(7, e.images());
            assertEquals(expected.loss(), e.loss(), 1e-5);
            assertEquals(expected.accuracy(), e.accuracy(), 1e-12);
            try (Backend.Executable plain = backend.compile(model.compileInference(3))) {
                plain.pushModelState();
                double plainLoss = Evaluator.evaluate(plain, data, normalization).loss();
                assertTrue(Math.abs(plainLoss - e.loss()) > 1e-3, "the mirror images change the scores: " + plainLoss);
            }
        }
    }

    @Test
    void tenCropAveragesTheCentreTheCornersAndTheirMirrors() throws IOException {
        StreamingImages data = data();
        ResNet model = model(SHAPE);
        int[][] corners = {{2, 1}, {0, 0}, {0, 2}, {4, 0}, {4, 2}};
        try (Backend backend = new JvmBackend(2)) {
            List<float[]> averaged = new ArrayList<>();
            for (Path file : files) {
                float[] mean = new float[CLASSES];
                for (boolean mirrored : new boolean[] {false, true}) {
                    for (int[] c : corners) {
                        float[] p = scores(backend, model, window(file, c[0], c[1], mirrored), normalization());
                        for (int k = 0; k < CLASSES; k++) {
                            mean[k] += p[k] / 10;
                        }
                    }
                }
                averaged.add(mean);
            }
            Expected expected = expected(averaged);
            Evaluator.Evaluation e = CropEvaluator.tenCrop(backend, model, data, normalization(), 3);
            assertEquals(7, e.images());
            assertEquals(expected.loss(), e.loss(), 1e-5);
            assertEquals(expected.accuracy(), e.accuracy(), 1e-12);
        }
    }

    /** The whole of a file, uncropped, as [0,1] floats of (3, its height, its width). */
    private static float[] whole(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        int h = img.getHeight();
        int w = img.getWidth();
        float[] out = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                out[y * w + x] = ((rgb >> 16) & 0xFF) / 255f;
                out[h * w + y * w + x] = ((rgb >> 8) & 0xFF) / 255f;
                out[2 * h * w + y * w + x] = (rgb & 0xFF) / 255f;
            }
        }
        return out;
    }

    /**
     * Each image whole, not a square of it, at each shorter side, through a model built for its own
     * shape. The images have seven shapes (portrait, landscape and square), more than the plans the
     * test keeps, and at their own shorter side (10) the input must be the file's pixels.
     */
    @Test
    void multiScaleAveragesTheWholeImageAtEachShorterSide() throws IOException {
        StreamingImages data = data(i -> i % 2 == 0 ? new int[] {10, 10 + i} : new int[] {10 + i, 10});
        ResNet model = model(SHAPE);
        List<Integer> scales = List.of(8, 10, 13);
        try (Backend backend = new JvmBackend(2)) {
            List<float[]> averaged = new ArrayList<>();
            Set<Shape> shapes = new HashSet<>();
            for (int i = 0; i < files.size(); i++) {
                float[] mean = new float[CLASSES];
                for (int side : scales) {
                    StreamingImages.ScaledImage image = data.scaled(i, side);
                    BufferedImage file = ImageIO.read(files.get(i).toFile());
                    int h = file.getHeight();
                    int w = file.getWidth();
                    assertEquals(Shape.of(3, h <= w ? side : side * h / w, w <= h ? side : side * w / h),
                            image.shape(), files.get(i) + " at " + side);
                    if (side == 10) {
                        assertArrayEquals(whole(files.get(i)), image.pixels(), 1e-6f);
                        shapes.add(image.shape());
                    }
                    ResNet scaled = ResNets.create("resnet8", image.shape(), CLASSES);
                    Map<String, Tensor> target = scaled.stateDict();
                    model.stateDict().forEach((name, t) -> System.arraycopy(t.data(), 0, target.get(name).data(), 0,
                            t.data().length));
                    float[] p = scores(backend, scaled, image.pixels(), normalization());
                    for (int k = 0; k < CLASSES; k++) {
                        mean[k] += p[k] / scales.size();
                    }
                }
                averaged.add(mean);
            }
            assertTrue(shapes.size() > CropEvaluator.PLANS_KEPT, "shapes at one scale: " + shapes);
            Expected expected = expected(averaged);
            Evaluator.Evaluation e = CropEvaluator.multiScale(backend, model, data, normalization(), scales);
            assertEquals(7, e.images());
            assertEquals(expected.loss(), e.loss(), 1e-5);
            assertEquals(expected.accuracy(), e.accuracy(), 1e-12);
        }
    }
}

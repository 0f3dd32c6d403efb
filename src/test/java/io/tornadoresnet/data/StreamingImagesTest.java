package io.tornadoresnet.data;

import static io.tornadoresnet.data.ImageFixtures.encode;
import static io.tornadoresnet.data.ImageFixtures.pattern;
import static io.tornadoresnet.data.ImageFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.tensor.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingImagesTest {
    private static final Shape SHAPE = Shape.of(3, 8, 8);
    private static final int RESIZE = 10;

    @TempDir
    Path root;

    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    private StreamingImages.Settings settings(int threads) {
        return new StreamingImages.Settings(threads, false, warnings::add);
    }

    /** Two classes of twelve images each, in PNG, BMP and JPEG, of several sizes. */
    private Path folder() throws IOException {
        String[] formats = {"png", "bmp", "jpg"};
        for (int k = 0; k < 24; k++) {
            String cls = k % 2 == 0 ? "ant" : "bee";
            String format = formats[k % 3];
            write(root.resolve("train/" + cls + "/img" + (100 + k) + "." + format),
                    encode(pattern(10 + k % 5, 12 + k % 4, k), format));
        }
        return root.resolve("train");
    }

    private static List<float[]> epoch(DataLoader loader, int epoch, int firstBatch) {
        List<float[]> rows = new ArrayList<>();
        loader.startEpoch(epoch, firstBatch);
        for (Batch b; (b = loader.next()) != null; ) {
            int size = b.images().length / b.labels().length;
            for (int r = 0; r < b.count(); r++) {
                float[] row = Arrays.copyOfRange(b.images(), r * size, (r + 1) * size);
                float[] withLabel = Arrays.copyOf(row, size + 2);
                withLabel[size] = b.labels()[r];
                withLabel[size + 1] = b.indices()[r];
                rows.add(withLabel);
            }
        }
        return rows;
    }

    @Test
    void evaluationBatchesHoldEachFileDecodedInListingOrder() throws IOException {
        ImageFiles images = ImageFiles.open(folder(), null, SHAPE, RESIZE, settings(3));
        assertEquals(List.of("ant", "bee"), images.classNames());
        assertEquals(24, images.size());
        try (DataLoader loader = images.loader(5, BatchLoader.Options.evaluation(Normalization.none()))) {
            assertEquals(5, loader.batchesPerEpoch());
            List<float[]> rows = epoch(loader, 0, 0);
            assertEquals(24, rows.size());
            for (int i = 0; i < 24; i++) {
                float[] expected = Images.load(images.name(i), SHAPE, RESIZE);
                assertArrayEquals(expected, Arrays.copyOf(rows.get(i), SHAPE.size()), "image " + i);
                assertEquals(images.label(i), rows.get(i)[SHAPE.size()]);
                assertEquals(i, rows.get(i)[SHAPE.size() + 1]);
                assertArrayEquals(expected, TestData.image(images, i));
            }
        }
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void cmykAndYcckJpegsAndPngWithAlphaDecode() throws IOException {
        byte[] cmyk = ImageFixtures.cmykJpeg(12, 12, 0, 255, 255, 0);
        Path file = write(root.resolve("c/cmyk.jpg"), cmyk);
        float[] red = Images.load(file, SHAPE, RESIZE);
        assertTrue(red[0] > 0.8f && red[64] < 0.3f && red[128] < 0.3f, "CMYK (0, 1, 1, 0) is red: "
                + red[0] + ", " + red[64] + ", " + red[128]);
        byte[] ycck = ImageFixtures.ycckJpeg(12, 12, 0, 255, 255, 0);
        assertEquals(4, Images.jpegComponents(ycck));
        float[] alsoRed = Images.load(write(root.resolve("c/ycck.jpg"), ycck), SHAPE, RESIZE);
        assertTrue(alsoRed[0] > 0.8f && alsoRed[64] < 0.3f && alsoRed[128] < 0.3f, "YCCK red: "
                + alsoRed[0] + ", " + alsoRed[64] + ", " + alsoRed[128]);
        ImageFiles streamed = ImageFiles.open(root, null, SHAPE, RESIZE, settings(1));
        assertEquals(List.of("cmyk.jpg", "ycck.jpg"), List.of(streamed.name(0).getFileName().toString(),
                streamed.name(1).getFileName().toString()));
        assertArrayEquals(red, TestData.image(streamed, 0), "the streaming path decodes CMYK as a file read does");
        assertArrayEquals(alsoRed, TestData.image(streamed, 1));
        BufferedImage alpha = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                alpha.setRGB(x, y, (x * 30 << 24) | 0x2040C0);
            }
        }
        float[] rgb = Images.load(write(root.resolve("c/alpha.png"), encode(alpha, "png")), SHAPE, 8);
        assertEquals(0x20 / 255f, rgb[5], 1e-6f);
        assertEquals(0x40 / 255f, rgb[64 + 5], 1e-6f);
        assertEquals(0xC0 / 255f, rgb[128 + 5], 1e-6f);
    }

    /** Five broken files among good ones, and an empty class folder. */
    private Path brokenFolder() throws IOException {
        Path train = folder();
        write(train.resolve("ant/corrupt.jpg"), ImageFixtures.corruptJpeg());
        write(train.resolve("ant/empty.jpg"), new byte[0]);
        write(train.resolve("bee/text.jpg"), "not a picture".getBytes());
        write(train.resolve("bee/bomb.png"), ImageFixtures.pngClaiming(30000, 30000));
        Files.createDirectories(train.resolve("cow"));
        return train;
    }

    @Test
    void brokenFilesAreLeftOutWithOneWarningEachAndCounted() throws IOException {
        ImageFiles images = ImageFiles.open(brokenFolder(), null, SHAPE, RESIZE, settings(2));
        assertEquals(List.of("ant", "bee", "cow"), images.classNames(), "an empty class folder keeps its class");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("cow: class folder without"), warnings.get(0));
        warnings.clear();
        assertEquals(28, images.size());
        try (DataLoader loader = images.loader(6, BatchLoader.Options.evaluation(Normalization.none()))) {
            for (int epoch = 0; epoch < 2; epoch++) {
                List<float[]> rows = epoch(loader, epoch, 0);
                assertEquals(4, loader.skippedFiles());
                int left = 0;
                for (int i = 0; i < rows.size(); i++) {
                    float[] row = rows.get(i);
                    String name = images.name(i).getFileName().toString();
                    boolean broken = List.of("corrupt.jpg", "empty.jpg", "text.jpg", "bomb.png").contains(name);
                    assertEquals(broken, row[SHAPE.size()] == -1, name);
                    if (broken) {
                        left++;
                        assertTrue(allZero(Arrays.copyOf(row, SHAPE.size())), name);
                    }
                }
                assertEquals(4, left);
            }
        }
        assertEquals(4, warnings.size(), "one warning per file, not per epoch: " + warnings);
        TreeSet<String> named = new TreeSet<>();
        for (String w : warnings) {
            assertFalse(w.contains("\n"), w);
            named.add(Path.of(w.substring(0, w.indexOf(": "))).getFileName().toString());
        }
        assertEquals(new TreeSet<>(List.of("corrupt.jpg", "empty.jpg", "text.jpg", "bomb.png")), named);
        for (String reason : List.of("its header says 30000x30000 pixels", "empty file (0 bytes)",
                "no decoder recognises its content", "corrupt or unsupported JPG image")) {
            assertTrue(warnings.stream().anyMatch(w -> w.contains(reason)), reason + " in " + warnings);
        }
    }

    @Test
    void strictMakesABrokenFileAnError() throws IOException {
        Path train = folder();
        write(train.resolve("bee/text.jpg"), "not a picture".getBytes());
        ImageFiles images = ImageFiles.open(train, null, SHAPE, RESIZE, settings(2).withStrict(true));
        try (DataLoader loader = images.loader(4, BatchLoader.Options.evaluation(Normalization.none()))) {
            loader.startEpoch(0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                while (loader.next() != null) {
                    continue;
                }
            });
            assertTrue(e.getMessage().contains("text.jpg: not an image"), e.getMessage());
        }
    }

    /** The multi-scale test's input: each image whole at the shorter side asked, broken files left out or, strict, errors. */
    @Test
    void scaledImagesAreWholeAtTheirShorterSideAndBrokenOnesLeftOut() throws IOException {
        Path train = brokenFolder();
        ImageFiles images = ImageFiles.open(train, null, SHAPE, RESIZE, settings(2));
        warnings.clear();
        int whole = 0;
        for (int i = 0; i < images.size(); i++) {
            Path name = images.name(i);
            StreamingImages.ScaledImage scaled = images.scaled(i, 20);
            if (List.of("corrupt.jpg", "empty.jpg", "text.jpg", "bomb.png").contains(name.getFileName().toString())) {
                assertNull(scaled, name.toString());
                continue;
            }
            BufferedImage file = ImageIO.read(name.toFile());
            int h = file.getHeight();
            int w = file.getWidth();
            Shape expected = h <= w ? Shape.of(3, 20, 20 * w / h) : Shape.of(3, 20 * h / w, 20);
            assertEquals(expected, scaled.shape(), name.toString());
            assertEquals(expected.size(), scaled.pixels().length);
            whole++;
        }
        assertEquals(24, whole);
        assertEquals(4, warnings.size(), warnings.toString());
        ImageFiles strict = ImageFiles.open(train, null, SHAPE, RESIZE, settings(2).withStrict(true));
        int text = strict.size() - 1;
        while (!strict.name(text).getFileName().toString().equals("text.jpg")) {
            text--;
        }
        int broken = text;
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> strict.scaled(broken, 20));
        assertTrue(e.getMessage().contains("text.jpg: not an image"), e.getMessage());
    }

    private static boolean allZero(float[] values) {
        for (float v : values) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    private static BatchLoader.Options paperTraining(long seed) {
        return BatchLoader.Options.training(seed, Normalization.none(),
                Augmentation.of(0, Augmentation.Padding.ZERO, true).withScale(8, 14).withLighting(0.1f));
    }

    @Test
    void trainingEpochsDependOnSeedEpochAndPositionOnlyAndResumeExactly() throws IOException {
        Path train = folder();
        ImageFiles one = ImageFiles.open(train, null, SHAPE, RESIZE, settings(1));
        ImageFiles four = ImageFiles.open(train, null, SHAPE, RESIZE, settings(4));
        try (DataLoader a = one.loader(4, paperTraining(7)); DataLoader b = four.loader(4, paperTraining(7));
             DataLoader other = four.loader(4, paperTraining(8))) {
            assertEquals(6, a.batchesPerEpoch());
            List<float[]> first = epoch(a, 3, 0);
            assertEquals(24, first.size());
            assertEqualRows(first, epoch(b, 3, 0));
            assertEqualRows(first.subList(8, 24), epoch(b, 3, 2));
            List<float[]> next = epoch(a, 4, 0);
            assertNotEquals(Arrays.toString(first.get(0)), Arrays.toString(next.get(0)));
            assertNotEquals(Arrays.toString(first.get(0)), Arrays.toString(epoch(other, 3, 0).get(0)));
            TreeSet<Integer> seen = new TreeSet<>();
            first.forEach(r -> seen.add((int) r[SHAPE.size() + 1]));
            assertEquals(24, seen.size(), "each image once per epoch");
        }
    }

    /** A loader refills one order array every epoch: an epoch must not depend on the epochs it ran before. */
    @Test
    void anEpochIsTheSameWhicheverEpochsItsLoaderRanBefore() throws IOException {
        ImageFiles images = ImageFiles.open(folder(), null, SHAPE, RESIZE, settings(2));
        try (DataLoader used = images.loader(4, paperTraining(7)); DataLoader fresh = images.loader(4, paperTraining(7))) {
            epoch(used, 5, 0);
            epoch(used, 1, 3);
            List<float[]> again = epoch(used, 3, 0);
            assertEqualRows(epoch(fresh, 3, 0), again);
            used.startEpoch(2, 0);
            used.next();
            assertEqualRows(again.subList(4, 24), epoch(used, 3, 1));
        }
    }

    @Test
    void scaleAugmentationCropsARandomWindowOfTheResizedImage() throws IOException {
        // An image whose shorter side is already in the scale range [10, 10]: the crop is a window of it.
        BufferedImage img = pattern(10, 13, 4);
        write(root.resolve("train/a/x.png"), encode(img, "png"));
        write(root.resolve("train/b/y.png"), encode(img, "png"));
        ImageFiles images = ImageFiles.open(root.resolve("train"), null, SHAPE, RESIZE, settings(1));
        BatchLoader.Options options = BatchLoader.Options.training(1, Normalization.none(),
                Augmentation.none().withScale(10, 10));
        TreeSet<String> windows = new TreeSet<>();
        try (DataLoader loader = images.loader(2, options)) {
            for (int epoch = 0; epoch < 12; epoch++) {
                for (float[] row : epoch(loader, epoch, 0)) {
                    windows.add(windowOf(img, row));
                }
            }
        }
        assertFalse(windows.contains("none"), windows.toString());
        assertTrue(windows.size() > 3, "random places: " + windows);
    }

    /** Where in {@code img} the 8x8 crop {@code row} was taken ("top,left"), or "none". */
    private static String windowOf(BufferedImage img, float[] row) {
        for (int top = 0; top + 8 <= img.getHeight(); top++) {
            for (int left = 0; left + 8 <= img.getWidth(); left++) {
                boolean same = true;
                for (int y = 0; y < 8 && same; y++) {
                    for (int x = 0; x < 8 && same; x++) {
                        int rgb = img.getRGB(left + x, top + y);
                        same = Math.abs(row[y * 8 + x] * 255 - ((rgb >> 16) & 0xFF)) < 1e-3
                                && Math.abs(row[64 + y * 8 + x] * 255 - ((rgb >> 8) & 0xFF)) < 1e-3;
                    }
                }
                if (same) {
                    return top + "," + left;
                }
            }
        }
        return "none";
    }

    private static void assertEqualRows(List<float[]> expected, List<float[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "row " + i);
        }
    }

    @Test
    void valFolderWithALabelsFileTakesTheTrainingClasses() throws IOException {
        write(root.resolve("train/ant/a.png"), encode(pattern(8, 8, 1), "png"));
        write(root.resolve("train/bee/b.png"), encode(pattern(8, 8, 2), "png"));
        write(root.resolve("train/cow/c.png"), encode(pattern(8, 8, 3), "png"));
        write(root.resolve("val/v2.png"), encode(pattern(8, 8, 4), "png"));
        write(root.resolve("val/v1.png"), encode(pattern(8, 8, 5), "png"));
        Files.writeString(root.resolve("val/" + ImageFiles.LABELS), "# file class\nv2.png cow\nv1.png,1\n");
        Dataset val = Datasets.open("folder", root, false, SHAPE, 8, settings(1));
        assertEquals(List.of("ant", "bee", "cow"), val.classNames());
        assertEquals(2, val.size());
        assertEquals(List.of(1, 2), List.of(val.label(0), val.label(1)), "sorted by file: v1 (bee), v2 (cow)");
        Files.writeString(root.resolve("val/" + ImageFiles.LABELS), "v1.png dog\n");
        IOException e = assertThrows(IOException.class, () -> Datasets.open("folder", root, false, SHAPE, 8,
                settings(1)));
        assertTrue(e.getMessage().contains("class 'dog' of v1.png is not among the 3 classes"), e.getMessage());
    }

    /** The folder's images in three shards (of eight for 24 images), in listing order, with labels. */
    private Path shards(ImageFiles images) throws IOException {
        int perShard = (images.size() + 2) / 3;
        for (int s = 0; s < 3; s++) {
            Map<String, byte[]> members = new LinkedHashMap<>();
            for (int i = perShard * s; i < Math.min(images.size(), perShard * (s + 1)); i++) {
                String name = images.name(i).getFileName().toString();
                String key = String.format("sample%04d", i);
                members.put(key + name.substring(name.indexOf('.')), Files.readAllBytes(images.name(i)));
                members.put(key + ".cls", Integer.toString(images.label(i)).getBytes());
            }
            ImageFixtures.tar(root.resolve(String.format("shards/shard-%06d.tar", s)), members);
        }
        return root.resolve("shards");
    }

    @Test
    void tarShardsHoldTheSameSamplesAsTheFolder() throws IOException {
        ImageFiles images = ImageFiles.open(folder(), null, SHAPE, RESIZE, settings(2));
        TarShards tar = TarShards.open(shards(images), SHAPE, RESIZE, settings(2));
        assertEquals(24, tar.size());
        assertEquals(List.of("0", "1"), tar.classNames());
        try (DataLoader folderLoader = images.loader(5, BatchLoader.Options.evaluation(Normalization.none()));
             DataLoader tarLoader = tar.loader(5, BatchLoader.Options.evaluation(Normalization.none()))) {
            assertEqualRows(epoch(folderLoader, 0, 0), epoch(tarLoader, 0, 0));
        }
        assertTrue(tar.name(3).toString().endsWith("shard-000000.tar/sample0003.png"), tar.name(3).toString());
        Files.writeString(root.resolve("shards/" + TarShards.CLASSES), "ant\nbee\n");
        assertEquals(List.of("ant", "bee"), TarShards.open(root.resolve("shards"), SHAPE, RESIZE, settings(1))
                .classNames());
    }

    @Test
    void tarTrainingEpochsShuffleShardsAndBufferDeterministically() throws IOException {
        ImageFiles images = ImageFiles.open(folder(), null, SHAPE, RESIZE, settings(1));
        Path dir = shards(images);
        TarShards one = TarShards.open(dir, SHAPE, RESIZE, settings(1));
        TarShards three = TarShards.open(dir, SHAPE, RESIZE, settings(3));
        try (DataLoader a = one.loader(4, paperTraining(2)); DataLoader b = three.loader(4, paperTraining(2))) {
            List<float[]> first = epoch(a, 0, 0);
            assertEqualRows(first, epoch(b, 0, 0));
            assertEqualRows(first.subList(12, 24), epoch(b, 0, 3));
            TreeSet<Integer> seen = new TreeSet<>();
            List<Integer> order = new ArrayList<>();
            first.forEach(r -> {
                seen.add((int) r[SHAPE.size() + 1]);
                order.add((int) r[SHAPE.size() + 1]);
            });
            assertEquals(24, seen.size(), "each sample once per epoch");
            List<Integer> second = new ArrayList<>();
            epoch(a, 1, 0).forEach(r -> second.add((int) r[SHAPE.size() + 1]));
            assertNotEquals(order, second, "another epoch, another order");
            List<Integer> sorted = new ArrayList<>(order);
            Collections.sort(sorted);
            assertNotEquals(sorted, order, "shuffled");
        }
    }

    /**
     * More samples than the shuffle buffer holds, of 0 to 20,000 bytes (one to three of its pages):
     * each sample leaves the buffer with its own bytes and name, in the order of a plain buffer of
     * samples (each read replaces one drawn at random, the last ones leave in random order), and an
     * epoch is the same after another one was left half read with the buffer full.
     */
    @Test
    void theTarShuffleBufferGivesEachSampleItsBytesInThePlainBuffersOrder() throws IOException {
        int shards = 3;
        int perShard = 450;
        Random random = new Random(3);
        List<byte[]> contents = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            Map<String, byte[]> members = new LinkedHashMap<>();
            for (int k = 0; k < perShard; k++) {
                byte[] bytes = new byte[k == 0 ? 0 : random.nextInt(20_000)];
                random.nextBytes(bytes);
                contents.add(bytes);
                members.put(String.format("s%d-%04d.jpg", s, k), bytes);
                members.put(String.format("s%d-%04d.cls", s, k), Integer.toString(k % 2).getBytes());
            }
            ImageFixtures.tar(root.resolve(String.format("big/shard-%06d.tar", s)), members);
        }
        TarShards data = TarShards.open(root.resolve("big"), SHAPE, RESIZE, settings(1));
        assertTrue(data.size() > TarShards.SHUFFLE_BUFFER);
        StreamingLoader.Order order = data.epochs();
        List<Integer> first = drain(order.open(9, 2, true, 0), contents, Integer.MAX_VALUE);
        assertEquals(plainShuffleBuffer(9, 2, shards, perShard), first);
        drain(order.open(9, 1, true, 0), contents, 1_200);
        assertEquals(first, drain(order.open(9, 2, true, 0), contents, Integer.MAX_VALUE));
        assertEquals(first.subList(100, first.size()), drain(order.open(9, 2, true, 100), contents, Integer.MAX_VALUE));
    }

    /** Up to {@code most} samples of a stream, which is then closed, each checked against its contents; their indices. */
    private static List<Integer> drain(StreamingImages.SampleStream stream, List<byte[]> contents, int most)
            throws IOException {
        List<Integer> order = new ArrayList<>();
        try (stream) {
            for (StreamingImages.Sample s; order.size() < most && (s = stream.next()) != null; ) {
                assertArrayEquals(contents.get(s.index()), s.bytes(), "sample " + s.index());
                assertEquals(String.format("s%d-%04d.jpg", s.index() / 450, s.index() % 450),
                        s.name().getFileName().toString());
                order.add(s.index());
            }
        }
        return order;
    }

    /** The order of a training epoch as a buffer of sample indices gives it. */
    private static List<Integer> plainShuffleBuffer(long seed, int epoch, int shards, int perShard) {
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed ^ TarShards.SHUFFLE_SALT,
                epoch));
        int[] shardOrder = new int[shards];
        Splits.shuffle(shardOrder, random);
        ArrayDeque<Integer> stream = new ArrayDeque<>();
        for (int s : shardOrder) {
            for (int k = 0; k < perShard; k++) {
                stream.add(s * perShard + k);
            }
        }
        List<Integer> buffer = new ArrayList<>();
        List<Integer> out = new ArrayList<>();
        while (true) {
            while (buffer.size() < TarShards.SHUFFLE_BUFFER && !stream.isEmpty()) {
                buffer.add(stream.remove());
            }
            if (buffer.isEmpty()) {
                return out;
            }
            int j = random.nextInt(buffer.size());
            out.add(buffer.get(j));
            if (buffer.size() == TarShards.SHUFFLE_BUFFER && !stream.isEmpty()) {
                buffer.set(j, stream.remove());
            } else {
                buffer.set(j, buffer.get(buffer.size() - 1));
                buffer.remove(buffer.size() - 1);
            }
        }
    }

    @Test
    void brokenTarMembersAreLeftOutAndBadShardsRefused() throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("a.jpg", encode(pattern(10, 10, 1), "jpg"));
        members.put("a.cls", "0".getBytes());
        members.put("b.jpg", ImageFixtures.corruptJpeg());
        members.put("b.cls", "1".getBytes());
        members.put("c.jpg", new byte[0]);
        members.put("c.cls", "1".getBytes());
        members.put("d.png", ImageFixtures.pngClaiming(30000, 30000));
        members.put("d.cls", "0".getBytes());
        Path dir = root.resolve("bad");
        ImageFixtures.tar(dir.resolve("shard-000000.tar"), members);
        TarShards tar = TarShards.open(dir, SHAPE, RESIZE, settings(2));
        assertEquals(4, tar.size());
        try (DataLoader loader = tar.loader(4, BatchLoader.Options.evaluation(Normalization.none()))) {
            List<float[]> rows = epoch(loader, 0, 0);
            assertEquals(3, loader.skippedFiles());
            assertEquals(0, rows.get(0)[SHAPE.size()]);
            for (int i = 1; i < 4; i++) {
                assertEquals(-1, rows.get(i)[SHAPE.size()]);
            }
        }
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("shard-000000.tar/"), warnings.get(0));

        Map<String, byte[]> unlabelled = new LinkedHashMap<>();
        unlabelled.put("x.jpg", encode(pattern(10, 10, 1), "jpg"));
        ImageFixtures.tar(root.resolve("nolabel/shard-000000.tar"), unlabelled);
        IOException e = assertThrows(IOException.class, () -> TarShards.open(root.resolve("nolabel"), SHAPE, RESIZE,
                settings(1)));
        assertTrue(e.getMessage().endsWith("shard-000000.tar: sample 'x' has no .cls label"), e.getMessage());
        write(root.resolve("text/shard-000000.tar"), new byte[700]);
        Files.write(root.resolve("text/shard-000000.tar"), "hello, not a tar file".getBytes());
        IOException notTar = assertThrows(IOException.class, () -> TarShards.open(root.resolve("text"), SHAPE, RESIZE,
                settings(1)));
        assertTrue(notTar.getMessage().contains("shard-000000.tar: truncated"), notTar.getMessage());
    }

    @Test
    void statisticsComeFromTheDecodedImagesLeavingBrokenOnesOut() throws IOException {
        ImageFiles images = ImageFiles.open(brokenFolder(), null, SHAPE, RESIZE, settings(2));
        Normalization streamed = Normalization.pixelMean(images);
        float[] sum = new float[SHAPE.size()];
        int good = 0;
        for (int i = 0; i < images.size(); i++) {
            try {
                float[] image = Images.load(images.name(i), SHAPE, RESIZE);
                for (int j = 0; j < sum.length; j++) {
                    sum[j] += image[j];
                }
                good++;
            } catch (IOException e) {
                continue;
            }
        }
        assertEquals(24, good);
        float[] mean = streamed.mean();
        for (int j = 0; j < sum.length; j++) {
            assertEquals(sum[j] / good, mean[j], 1e-5f);
        }
    }

    @Test
    void limitsAndHoldOutsOfAStreamingSetStayStreaming() throws IOException {
        ImageFiles images = ImageFiles.open(folder(), null, SHAPE, RESIZE, settings(2));
        Dataset first = Splits.limit(images, 5);
        assertTrue(first instanceof ImageFiles, first.toString());
        assertEquals(5, first.size());
        assertArrayEquals(TestData.image(images, 4), TestData.image(first, 4));
        Splits.Split split = Splits.holdOut(images, 4, 1);
        assertTrue(split.validation() instanceof ImageFiles);
        assertEquals(20, split.train().size());
    }

    @Test
    void aListingOfMoreThanAChunkKeepsEveryNameAndLabelAcrossChunksAndSubsets() throws IOException {
        Path train = root.resolve("many");
        int perClass = Chunks.SIZE / 2 + 7;
        List<String> expected = new ArrayList<>();
        for (String cls : List.of("a", "b", "c/sub")) {
            for (int k = 0; k < perClass; k++) {
                String name = cls + "/img" + (10_000 + k) + ".jpg";
                Files.createDirectories(train.resolve(name).getParent());
                Files.createFile(train.resolve(name));
                expected.add(name);
            }
        }
        ImageFiles images = ImageFiles.open(train, null, SHAPE, RESIZE, settings(1));
        assertEquals(3 * perClass, images.size());
        assertEquals(List.of("a", "b", "c"), images.classNames());
        for (int i = 0; i < images.size(); i++) {
            assertEquals(train.resolve(expected.get(i)), images.name(i));
            assertEquals(i / perClass, images.label(i));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> images.label(images.size()));
        int[] picked = {images.size() - 1, Chunks.SIZE, Chunks.SIZE - 1, 0};
        ImageFiles subset = images.subset(picked, "picked");
        assertEquals(picked.length, subset.size());
        for (int k = 0; k < picked.length; k++) {
            assertEquals(images.name(picked[k]), subset.name(k));
            assertEquals(images.label(picked[k]), subset.label(k));
        }
    }

    @Test
    void inMemoryLoadersRefuseAugmentationThatNeedsDecodedImages() {
        Dataset memory = SyntheticData.generate(SHAPE, 2, 8, 0.1f, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> memory.loader(4, paperTraining(1)));
        assertTrue(e.getMessage().contains("needs an image folder or tar shards"), e.getMessage());
    }

    /**
     * Every worker's loader serves, batch by batch, the rows shard, shard + shards, ... of the whole
     * batch, bit for bit, with epoch 0 read from its start and epoch 1 resumed at its second batch;
     * the workers' left-out rows are those of the whole batch, their skipped files add up to the
     * whole loader's, and together they decode the bytes it decodes, no more.
     *
     * @return the files the whole loader left out in epoch 0
     */
    private static int assertWorkersServeTheRowsOfTheWholeBatch(StreamingImages data, int globalBatch, int shards,
            BatchLoader.Options options) {
        int size = SHAPE.size();
        int rows = globalBatch / shards;
        int skippedInFirstEpoch = 0;
        StreamingLoader whole = (StreamingLoader) data.loader(globalBatch, options);
        StreamingLoader[] parts = new StreamingLoader[shards];
        try {
            for (int s = 0; s < shards; s++) {
                parts[s] = (StreamingLoader) data.loader(globalBatch, s, shards, options);
                assertEquals(whole.batchesPerEpoch(), parts[s].batchesPerEpoch());
            }
            for (int epoch = 0; epoch < 2; epoch++) {
                whole.startEpoch(epoch, epoch);
                for (StreamingLoader part : parts) {
                    part.startEpoch(epoch, epoch);
                }
                int[] leftOut = new int[shards];
                for (Batch w; (w = whole.next()) != null; ) {
                    for (int s = 0; s < shards; s++) {
                        String where = "epoch " + epoch + ", batch " + w.index() + ", shard " + s + " of " + shards;
                        Batch b = parts[s].next();
                        assertEquals(rows, b.labels().length, where);
                        assertEquals(w.index(), b.index(), where);
                        assertEquals(Math.max(0, (w.count() - s + shards - 1) / shards), b.count(), where);
                        int minus = 0;
                        for (int r = 0; r < rows; r++) {
                            int row = s + shards * r;
                            boolean real = r < b.count();
                            assertEquals(real ? w.indices()[row] : -1, b.indices()[r], where + ", row " + r);
                            assertEquals(real ? w.labels()[row] : 0, b.labels()[r], where + ", row " + r);
                            float[] expected = real ? Arrays.copyOfRange(w.images(), row * size, (row + 1) * size)
                                    : new float[size];
                            assertArrayEquals(expected, Arrays.copyOfRange(b.images(), r * size, (r + 1) * size),
                                    where + ", row " + r);
                            minus += real && b.labels()[r] == -1 ? 1 : 0;
                        }
                        assertEquals(minus, b.skipped(), where);
                        leftOut[s] += minus;
                    }
                }
                int sum = 0;
                for (int s = 0; s < shards; s++) {
                    assertNull(parts[s].next());
                    assertEquals(leftOut[s], parts[s].skippedFiles(), "shard " + s + " of " + shards);
                    sum += parts[s].skippedFiles();
                }
                assertEquals(whole.skippedFiles(), sum, "epoch " + epoch);
                if (epoch == 0) {
                    skippedInFirstEpoch = sum;
                }
            }
            long decoded = 0;
            for (StreamingLoader part : parts) {
                decoded += part.times().bytes();
            }
            assertEquals(whole.times().bytes(), decoded, "each sample decoded by one worker");
        } finally {
            whole.close();
            for (StreamingLoader part : parts) {
                if (part != null) {
                    part.close();
                }
            }
        }
        return skippedInFirstEpoch;
    }

    @Test
    void dataParallelWorkersShareTheBatchesOfAFolderRowForRow() throws IOException {
        ImageFiles images = ImageFiles.open(brokenFolder(), null, SHAPE, RESIZE, settings(2));
        assertEquals(28, images.size());
        BatchLoader.Options evaluation = BatchLoader.Options.evaluation(Normalization.none());
        for (int shards : new int[] {2, 3}) {
            assertWorkersServeTheRowsOfTheWholeBatch(images, 6, shards, paperTraining(5));
            assertEquals(4, assertWorkersServeTheRowsOfTheWholeBatch(images, 6, shards, evaluation),
                    "every broken file in a worker's rows");
        }
        assertEquals(4, assertWorkersServeTheRowsOfTheWholeBatch(images, 9, 3, evaluation),
                "a last batch of one sample: two workers without a row in it");
    }

    @Test
    void dataParallelWorkersShareTheBatchesOfTarShardsRowForRow() throws IOException {
        ImageFiles images = ImageFiles.open(brokenFolder(), null, SHAPE, RESIZE, settings(1));
        TarShards tar = TarShards.open(shards(images), SHAPE, RESIZE, settings(2));
        assertEquals(28, tar.size());
        BatchLoader.Options evaluation = BatchLoader.Options.evaluation(Normalization.none());
        for (int shards : new int[] {2, 3}) {
            assertWorkersServeTheRowsOfTheWholeBatch(tar, 6, shards, paperTraining(5));
            assertEquals(4, assertWorkersServeTheRowsOfTheWholeBatch(tar, 6, shards, evaluation),
                    "every broken member in a worker's rows");
        }
        assertEquals(4, assertWorkersServeTheRowsOfTheWholeBatch(tar, 9, 3, evaluation),
                "a last batch of one sample: two workers without a row in it");
    }

    @Test
    void aWorkerShareThatDoesNotSplitTheBatchIsRefused() throws IOException {
        ImageFiles images = ImageFiles.open(folder(), null, SHAPE, RESIZE, settings(1));
        BatchLoader.Options options = paperTraining(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> images.loader(10, 0, 3, options));
        assertEquals("shard 0 of 3 does not split a batch of 10 into equal parts", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> images.loader(12, 3, 3, options));
    }
}

package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Small data files in the exact published formats, and small in-memory data sets. */
final class TestData {

    private TestData() {
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] idxImages(int count, int rows, int cols, byte[] pixels) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000803);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        out.write(pixels);
        return bytes.toByteArray();
    }

    static byte[] idxLabels(byte[] labels) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000801);
        out.writeInt(labels.length);
        out.write(labels);
        return bytes.toByteArray();
    }

    static void write(Path file, byte[] content, boolean gzip) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
    }

    /** CIFAR records: label bytes then 3072 pixel bytes each. */
    static byte[] cifarRecords(byte[][] labelBytes, byte[] pixels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int r = 0; r < labelBytes.length; r++) {
            out.write(labelBytes[r], 0, labelBytes[r].length);
            out.write(pixels, r * 3072, 3072);
        }
        return out.toByteArray();
    }

    /** n images of {@code shape} with random pixels and labels i % classes. */
    static InMemoryDataset dataset(int n, Shape shape, int classes, long seed) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("class" + c);
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
        }
        return new InMemoryDataset("test data", shape, names, randomBytes(n * shape.size(), seed), labels);
    }

    static float[] image(Dataset dataset, int i) {
        float[] image = new float[dataset.imageShape().size()];
        dataset.image(i, image, 0);
        return image;
    }
}

package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Reads {@code root/<class>/<image>} trees laid out as for torchvision's {@code ImageFolder}: one
 * directory per class (sorted by name; names starting with '.' skipped), the PNG and JPEG files
 * anywhere below it (sorted by path). Every image is decoded once, in parallel, at load time and
 * kept as C*H*W bytes (see {@link Images} for the resize and crop), so N images take N*C*H*W bytes
 * of heap, e.g. 150 KB each at 3x224x224; at most 2 GB in all.
 */
public final class ImageFolder {

    private ImageFolder() {
    }

    public static InMemoryDataset load(Path root, Shape shape, int resize) throws IOException {
        Images.checkTarget(shape, resize);
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "image folder does not exist");
        }
        List<String> classes;
        try (Stream<Path> entries = Files.list(root)) {
            classes = entries.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith(".")).sorted().toList();
        }
        if (classes.isEmpty()) {
            throw new DataFileException(root, "no class directories (expected root/<class>/<image>.png|jpg|jpeg)");
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            List<Path> images;
            try (Stream<Path> walk = Files.walk(root.resolve(classes.get(label)), FileVisitOption.FOLLOW_LINKS)) {
                images = walk.filter(ImageFolder::isImage).sorted().toList();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (images.isEmpty()) {
                throw new DataFileException(root.resolve(classes.get(label)), "class directory without .png, .jpg or"
                        + " .jpeg files");
            }
            files.addAll(images);
            for (int k = 0; k < images.size(); k++) {
                labels.add(label);
            }
        }
        int size = shape.size();
        long bytes = (long) files.size() * size;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new DataFileException(root, files.size() + " images of " + shape + " need " + bytes
                    + " bytes, more than the 2 GB this in-memory loader holds; choose a smaller image shape");
        }
        byte[] pixels = new byte[(int) bytes];
        try {
            IntStream.range(0, files.size()).parallel().forEach(i -> {
                try {
                    Images.decode(files.get(i), shape, resize, pixels, i * size);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return new InMemoryDataset("image folder " + root, shape, classes, pixels,
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private static boolean isImage(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg"));
    }
}

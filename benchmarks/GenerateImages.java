import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.IntStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes an image folder of generated JPEGs for the data benchmarks: DIR/PART/classK/imgN.jpg,
 * each a smooth colour field with a few soft blobs and some noise (so that it compresses about as
 * a photograph does), the colours depending on the class.
 *
 * <pre>java benchmarks/GenerateImages.java DIR COUNT CLASSES WIDTH HEIGHT QUALITY [PART]</pre>
 * PART is train (the default), val or test; each part's images differ (their seeds do).
 */
public class GenerateImages {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int classes = Integer.parseInt(args[2]);
        int width = Integer.parseInt(args[3]);
        int height = Integer.parseInt(args[4]);
        float quality = Float.parseFloat(args[5]);
        String part = args.length > 6 ? args[6] : "train";
        long seedBase = part.hashCode() * 1_000_003L;
        for (int c = 0; c < classes; c++) {
            Files.createDirectories(dir.resolve(part + "/class" + c));
        }
        IntStream.range(0, count).parallel().forEach(i -> {
            try {
                write(dir.resolve(part + "/class" + (i % classes) + "/img" + i + ".jpg"),
                        image(width, height, i % classes, new Random(seedBase + i)), quality);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    static BufferedImage image(int w, int h, int cls, Random random) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        double[][] blobs = new double[4][];
        for (int k = 0; k < blobs.length; k++) {
            blobs[k] = new double[] {random.nextDouble() * w, random.nextDouble() * h, 0.1 * w + random.nextDouble()
                    * 0.3 * w, random.nextDouble() * 160 - 80};
        }
        double hue = cls * 0.7;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 0;
                for (double[] b : blobs) {
                    double dx = x - b[0];
                    double dy = y - b[1];
                    v += b[3] * Math.exp(-(dx * dx + dy * dy) / (2 * b[2] * b[2]));
                }
                int r = clamp(128 + 60 * Math.sin(hue + x * 0.01) + v + random.nextGaussian() * 20);
                int g = clamp(128 + 60 * Math.sin(hue * 1.3 + y * 0.013) + v * 0.6 + random.nextGaussian() * 20);
                int b = clamp(128 + 60 * Math.cos(hue * 0.7 + (x + y) * 0.007) - v * 0.4 + random.nextGaussian() * 20);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    static void write(Path file, BufferedImage img, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}

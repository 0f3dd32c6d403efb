package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Images and tar shards made in the tests: every format the streaming data sets read, and broken ones. */
public final class ImageFixtures {

    private ImageFixtures() {
    }

    /** An RGB image whose colours vary with (x, y) and {@code seed}, so that crops and flips show. */
    static BufferedImage pattern(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (seed * 40 + 7 * x) & 0xFF;
                int g = (seed * 90 + 11 * y) & 0xFF;
                int b = (3 * x + 5 * y + seed * 13) & 0xFF;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    /** The image encoded as png, bmp or jpg (quality 0.95). */
    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (format.equals("jpg")) {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.95f);
            try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                writer.setOutput(stream);
                writer.write(null, new IIOImage(img, null, null), param);
            } finally {
                writer.dispose();
            }
        } else {
            assertTrue(ImageIO.write(img, format, out), format);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, bytes);
    }

    /**
     * A CMYK JPEG of one colour as Photoshop writes them: four inverted bands (which the JDK's
     * writer stores as they are from a raster) and an Adobe APP14 marker with transform 0.
     */
    static byte[] cmykJpeg(int w, int h, int c, int m, int y, int k) throws IOException {
        return adobeJpeg(w, h, new int[] {255 - c, 255 - m, 255 - y, 255 - k}, 0);
    }

    /**
     * A YCCK JPEG of one colour: the YCbCr of its (C, M, Y) and its K inverted, with an Adobe
     * marker of transform 2 (the form in which TwelveMonkeys' decoder reads Adobe's YCCK files).
     */
    static byte[] ycckJpeg(int w, int h, int c, int m, int y, int k) throws IOException {
        int luma = (int) Math.round(0.299 * c + 0.587 * m + 0.114 * y);
        int cb = (int) Math.round(128 - 0.168736 * c - 0.331264 * m + 0.5 * y);
        int cr = (int) Math.max(0, Math.min(255, Math.round(128 + 0.5 * c - 0.418688 * m - 0.081312 * y)));
        return adobeJpeg(w, h, new int[] {luma, cb, cr, 255 - k}, 2);
    }

    private static byte[] adobeJpeg(int w, int h, int[] bands, int transform) throws IOException {
        WritableRaster raster = java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE,
                w, h, 4, null);
        for (int py = 0; py < h; py++) {
            for (int px = 0; px < w; px++) {
                raster.setPixel(px, py, bands);
            }
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        ImageWriter writer = null;
        while (writers.hasNext()) {
            ImageWriter candidate = writers.next();
            if (candidate.getClass().getName().startsWith("com.sun.imageio")) {
                writer = candidate;
            }
        }
        assertTrue(writer != null, "the JDK's JPEG writer");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }
        byte[] raw = out.toByteArray();
        byte[] adobe = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        byte[] jpeg = new byte[raw.length + adobe.length];
        System.arraycopy(raw, 0, jpeg, 0, 2);
        System.arraycopy(adobe, 0, jpeg, 2, adobe.length);
        System.arraycopy(raw, 2, jpeg, 2 + adobe.length, raw.length - 2);
        return jpeg;
    }

    /** A valid PNG whose IHDR chunk claims {@code w x h} (with the chunk's CRC fixed to match). */
    static byte[] pngClaiming(int w, int h) throws IOException {
        ByteBuffer png = ByteBuffer.wrap(encode(pattern(4, 4, 1), "png"));
        png.putInt(16, w).putInt(20, h);
        CRC32 crc = new CRC32();
        crc.update(png.array(), 12, 17);
        png.putInt(29, (int) crc.getValue());
        return png.array();
    }

    /** A JPEG whose entropy-coded data is overwritten with garbage after its headers. */
    static byte[] corruptJpeg() throws IOException {
        byte[] jpeg = encode(pattern(32, 32, 2), "jpg");
        byte[] cut = java.util.Arrays.copyOf(jpeg, jpeg.length / 3);
        for (int i = cut.length / 2; i < cut.length; i++) {
            cut[i] = (byte) 0xFF;
        }
        return cut;
    }

    /** Writes a tar file of the members in order (ustar headers, 512-byte blocks, two zero blocks at the end). */
    public static Path tar(Path file, Map<String, byte[]> members) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            for (Map.Entry<String, byte[]> member : members.entrySet()) {
                byte[] header = new byte[512];
                byte[] name = member.getKey().getBytes(StandardCharsets.UTF_8);
                System.arraycopy(name, 0, header, 0, name.length);
                octal(header, 100, 8, 0644);
                octal(header, 108, 8, 0);
                octal(header, 116, 8, 0);
                octal(header, 124, 12, member.getValue().length);
                octal(header, 136, 12, 0);
                header[156] = '0';
                System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 8);
                java.util.Arrays.fill(header, 148, 156, (byte) ' ');
                long sum = 0;
                for (byte b : header) {
                    sum += b & 0xFF;
                }
                octal(header, 148, 7, sum);
                out.write(header);
                out.write(member.getValue());
                out.write(new byte[(512 - member.getValue().length % 512) % 512]);
            }
            out.write(new byte[1024]);
        }
        return file;
    }

    private static void octal(byte[] header, int at, int width, long value) {
        String digits = String.format("%0" + (width - 1) + "o", value);
        byte[] b = digits.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, at, b.length);
        header[at + width - 1] = 0;
    }
}

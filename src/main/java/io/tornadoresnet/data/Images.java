package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image files (PNG, JPEG and whatever else {@link ImageIO} reads) to a fixed CxHxW:
 * the shorter side is resized to {@code resize} pixels (antialiased bilinear, as torchvision's
 * {@code Resize}), the centre HxW is cropped (top-left rounded down), and the colours are converted
 * to C channels: gray is replicated to RGB, RGB becomes luma (0.299 R + 0.587 G + 0.114 B) for
 * C = 1, alpha is dropped. Values are rounded to 8 bits, so that a file gives the same floats here
 * as in an image folder ({@link ImageFiles}).
 */
public final class Images {
    /**
     * The most pixels an image, or its resized copy, may have (about 33 megapixels: decoding takes
     * some 20 bytes a pixel, in as many threads as there are cores).
     */
    static final int MAX_PIXELS = 1 << 25;

    private Images() {
    }

    /** Loads one image as C*H*W floats in [0,1], resizing its shorter side to max(H, W). */
    public static float[] load(Path file, Shape shape) throws IOException {
        return load(file, shape, Math.max(shape.dim(1), shape.dim(2)));
    }

    /** Loads one image as C*H*W floats in [0,1], resizing its shorter side to {@code resize}. */
    public static float[] load(Path file, Shape shape, int resize) throws IOException {
        checkTarget(shape, resize);
        byte[] pixels = new byte[shape.size()];
        decode(file, shape, resize, pixels, 0);
        float[] image = new float[pixels.length];
        Pixels.toUnit(pixels, 0, image, 0, pixels.length);
        return image;
    }

    /** Fails unless {@code shape} is 1xHxW or 3xHxW and {@code resize} covers the crop. */
    static void checkTarget(Shape shape, int resize) {
        if (shape.rank() != 3 || (shape.dim(0) != 1 && shape.dim(0) != 3)) {
            throw new IllegalArgumentException("image shape must be 1xHxW or 3xHxW, not " + shape);
        }
        if (resize < Math.max(shape.dim(1), shape.dim(2))) {
            throw new IllegalArgumentException("resize " + resize + " is smaller than the " + shape.dim(1) + "x"
                    + shape.dim(2) + " crop");
        }
    }

    /** Decodes {@code file} to C*H*W bytes at {@code dst[offset..]}. */
    static void decode(Path file, Shape shape, int resize, byte[] dst, int offset) throws IOException {
        BufferedImage img = read(file, resize);
        int channels = shape.dim(0);
        int h = img.getHeight();
        int w = img.getWidth();
        int rh = resizedHeight(h, w, resize);
        int rw = resizedHeight(w, h, resize);
        int outH = shape.dim(1);
        int outW = shape.dim(2);
        float[] crop = resize(planes(img, channels), channels, h, w, rh, rw, (rh - outH) / 2, (rw - outW) / 2,
                outH, outW);
        for (int j = 0; j < crop.length; j++) {
            dst[offset + j] = toByte(crop[j]);
        }
    }

    /** A resampled value in [0,255] rounded to the 8 bits a decoded image holds. */
    static byte toByte(float v) {
        return (byte) Math.max(0, Math.min(255, Math.round(v)));
    }

    /**
     * Reads the image, after its header has shown that it, its resized copy and the half-resized
     * one in between fit in {@link #MAX_PIXELS}: a header may claim any size, and the decoder would
     * believe it.
     */
    private static BufferedImage read(Path file, int resize) throws IOException {
        if (Files.isDirectory(file)) {
            throw new DataFileException(file, "is a directory, not an image");
        }
        if (Files.size(file) == 0) {
            throw new DataFileException(file, "empty file (0 bytes), not an image");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return read(in, file, resize, false);
        } catch (DataFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DataFileException(file, "corrupt or unsupported " + format(file) + ": " + e, e);
        }
    }

    /**
     * Reads an image held in memory (a file's bytes, a member of a tar shard) with the checks of
     * {@link #read(Path, int)}; {@code name} names it in messages, {@code resize} is the largest
     * shorter side it will be resized to.
     */
    static BufferedImage read(byte[] bytes, Path name, int resize) throws IOException {
        if (bytes.length == 0) {
            throw new DataFileException(name, "empty file (0 bytes), not an image");
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            return read(in, name, resize, jpegComponents(bytes) == 3);
        } catch (DataFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DataFileException(name, "corrupt or unsupported " + format(name) + ": " + e, e);
        }
    }

    /**
     * The JDK's own JPEG decoder, one per thread and reused image after image (reset, not
     * disposed): for RGB JPEGs it takes about two thirds of the time of the plugin, which is there
     * for CMYK and YCCK, and reusing it spares a native decoder's set-up per image.
     */
    private static final ThreadLocal<ImageReader> BUILT_IN_JPEG = ThreadLocal.withInitial(() -> {
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext(); ) {
            ImageReader reader = it.next();
            if (reader.getClass().getName().startsWith("com.sun.imageio.")) {
                return reader;
            }
            reader.dispose();
        }
        return null;
    });

    /** @param rgbJpeg whether the bytes are a 3-component JPEG, which the JDK's own decoder reads */
    private static BufferedImage read(ImageInputStream in, Path file, int resize, boolean rgbJpeg)
            throws IOException {
        if (in == null) {
            throw new DataFileException(file, "cannot be opened as an image");
        }
        ImageReader shared = rgbJpeg ? BUILT_IN_JPEG.get() : null;
        if (shared != null) {
            try {
                return read(shared, in, file, resize);
            } finally {
                shared.reset();
            }
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new DataFileException(file, "not an image: no decoder recognises its content");
        }
        ImageReader reader = readers.next();
        try {
            return read(reader, in, file, resize);
        } finally {
            reader.dispose();
        }
    }

    private static BufferedImage read(ImageReader reader, ImageInputStream in, Path file, int resize)
            throws IOException {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w <= 0 || h <= 0 || (long) w * h > MAX_PIXELS) {
            throw new DataFileException(file, "its header says " + w + "x" + h + " pixels; images of more than "
                    + MAX_PIXELS + " pixels are refused");
        }
        long rh = resizedHeight(h, w, resize);
        long rw = resizedHeight(w, h, resize);
        long work = Math.max(rh * rw, h * rw);
        if (work > MAX_PIXELS) {
            throw new DataFileException(file, "is " + w + "x" + h + " pixels; resizing its shorter side to "
                    + resize + " takes " + work + " pixels, more than the " + MAX_PIXELS + " allowed");
        }
        // The decoders report malformed content with IIOException and, for some files, with
        // unchecked exceptions from deep inside; the callers turn both into DataFileException.
        return reader.read(0);
    }

    /**
     * The colour components of a baseline or progressive JPEG, from its frame header (SOF0 to
     * SOF15); 0 when the bytes are not a JPEG or the header is not found.
     */
    static int jpegComponents(byte[] b) {
        if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
            return 0;
        }
        int at = 2;
        while (at + 9 < b.length && (b[at] & 0xFF) == 0xFF) {
            int marker = b[at + 1] & 0xFF;
            int length = ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                return b[at + 9] & 0xFF;
            }
            at += 2 + length;
        }
        return 0;
    }

    /** The height after resizing the shorter of (h, w) to {@code resize}, or h itself when w is the shorter. */
    static int resizedHeight(int h, int w, int resize) {
        return h <= w ? resize : (int) Math.min(Integer.MAX_VALUE, (long) resize * h / w);
    }

    static String format(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "image" : name.substring(dot + 1).toUpperCase(Locale.ROOT) + " image";
    }

    /** The image as {@code channels} planes of floats in [0,255]. */
    static float[] planes(BufferedImage img, int channels) {
        int h = img.getHeight();
        int w = img.getWidth();
        int plane = h * w;
        float[] out = new float[channels * plane];
        ColorModel cm = img.getColorModel();
        if (cm.getNumColorComponents() == 1) {
            // Gray: read the samples themselves; getRGB would apply a linear-to-sRGB curve.
            Raster raster = img.getRaster();
            float scale = 255f / ((1 << cm.getComponentSize(0)) - 1);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = raster.getSample(x, y, 0) * scale;
                    for (int c = 0; c < channels; c++) {
                        out[c * plane + y * w + x] = v;
                    }
                }
            }
            return out;
        }
        if (img.getType() == BufferedImage.TYPE_3BYTE_BGR && img.getRaster().getParent() == null
                && img.getRaster().getDataBuffer().getSize() == 3 * plane) {
            // what the JPEG decoder returns: B, G, R bytes, row after row
            byte[] bgr = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            for (int p = 0; p < plane; p++) {
                store(out, channels, plane, p, bgr[3 * p + 2] & 0xFF, bgr[3 * p + 1] & 0xFF, bgr[3 * p] & 0xFF);
            }
            return out;
        }
        if (isEightBitRgb(cm)) {
            // The raster's first three bands are R, G, B: read them a row at a time, without the
            // per-pixel colour-model calls of getRGB (most of the time of a JPEG's conversion).
            Raster raster = img.getRaster();
            int bands = raster.getNumBands();
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    store(out, channels, plane, y * w + x, row[x * bands], row[x * bands + 1], row[x * bands + 2]);
                }
            }
            return out;
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int p = 0; p < plane; p++) {
            store(out, channels, plane, p, (argb[p] >> 16) & 0xFF, (argb[p] >> 8) & 0xFF, argb[p] & 0xFF);
        }
        return out;
    }

    private static boolean isEightBitRgb(ColorModel cm) {
        if (cm instanceof IndexColorModel || !cm.getColorSpace().isCS_sRGB() || cm.getNumColorComponents() != 3) {
            return false;
        }
        for (int c = 0; c < 3; c++) {
            if (cm.getComponentSize(c) != 8) {
                return false;
            }
        }
        return true;
    }

    private static void store(float[] out, int channels, int plane, int p, int r, int g, int b) {
        if (channels == 1) {
            out[p] = 0.299f * r + 0.587f * g + 0.114f * b;
        } else {
            out[p] = r;
            out[plane + p] = g;
            out[2 * plane + p] = b;
        }
    }

    /**
     * The outH x outW window at ({@code top}, {@code left}) of {@code channels} planes resampled
     * from h x w to rh x rw; only the window is computed.
     */
    static float[] resize(float[] src, int channels, int h, int w, int rh, int rw, int top, int left,
            int outH, int outW) {
        float[] out = new float[channels * outH * outW];
        if (h == rh && w == rw) {
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < outH; y++) {
                    System.arraycopy(src, (c * h + top + y) * w + left, out, (c * outH + y) * outW, outW);
                }
            }
            return out;
        }
        Filter fx = Filter.of(w, rw);
        Filter fy = Filter.of(h, rh);
        int firstRow = fy.first[top];
        int lastRow = Math.min(h, fy.first[top + outH - 1] + fy.taps);
        int rowsUsed = lastRow - firstRow;
        float[] rows = new float[channels * rowsUsed * outW];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < rowsUsed; y++) {
                int in = (c * h + firstRow + y) * w;
                int o = (c * rowsUsed + y) * outW;
                for (int x = 0; x < outW; x++) {
                    rows[o + x] = fx.apply(src, in, 1, left + x, w);
                }
            }
        }
        // each output row is a weighted sum of whole input rows: contiguous, which the JIT vectorises
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outH; y++) {
                int o = (c * outH + y) * outW;
                int i0 = fy.first[top + y];
                int count = Math.min(fy.taps, h - i0);
                for (int k = 0; k < count; k++) {
                    float wk = fy.weights[(top + y) * fy.taps + k];
                    if (wk == 0) {
                        continue;
                    }
                    int in = (c * rowsUsed + i0 + k - firstRow) * outW;
                    for (int x = 0; x < outW; x++) {
                        out[o + x] += wk * rows[in + x];
                    }
                }
            }
        }
        return out;
    }

    /**
     * Triangle-filter weights for resampling n inputs to m outputs, widened by the scale factor when
     * shrinking (antialiasing), pixel centres at i + 0.5 (PIL's and torchvision's convention).
     */
    private record Filter(int taps, int[] first, float[] weights) {

        static Filter of(int n, int m) {
            double scale = (double) n / m;
            double support = Math.max(scale, 1.0);
            int taps = (int) Math.ceil(2 * support) + 2;
            int[] first = new int[m];
            float[] weights = new float[m * taps];
            for (int o = 0; o < m; o++) {
                double center = (o + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - support));
                int hi = Math.min(n, (int) Math.ceil(center + support));
                double sum = 0;
                double[] w = new double[hi - lo];
                for (int i = lo; i < hi; i++) {
                    w[i - lo] = Math.max(0, 1 - Math.abs((i + 0.5 - center) / support));
                    sum += w[i - lo];
                }
                first[o] = lo;
                for (int k = 0; k < w.length; k++) {
                    weights[o * taps + k] = (float) (w[k] / sum);
                }
            }
            return new Filter(taps, first, weights);
        }

        /** Output {@code o} from the {@code n} inputs at {@code data[base + i * stride]}. */
        float apply(float[] data, int base, int stride, int o, int n) {
            float sum = 0;
            int i0 = first[o];
            int count = Math.min(taps, n - i0);
            for (int k = 0; k < count; k++) {
                float wk = weights[o * taps + k];
                if (wk != 0) {
                    sum += wk * data[base + (i0 + k) * stride];
                }
            }
            return sum;
        }
    }
}

package io.tornadoresnet.backend.tornado;

import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.WorkerGrid3D;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

import java.util.Locale;

/**
 * The tile shape of the {@link TiledConvKernels}: a work-group of {@code wx * wy} work-items, each
 * with {@code rm x rn} outputs in registers, stepping through K by {@code tk}. Chosen once per
 * plan, from the system property {@value #PROPERTY} when it is set, else from the device type
 * (GPUs and CPUs want different shapes: a GPU wants a few hundred work-items per group and
 * coalesced rows, a CPU OpenCL runtime such as PoCL wants fewer, longer work-items).
 *
 * <p>{@value #PROPERTY} takes {@code WXxWY/RMxRN/TK} (for example {@code 16x16/4x4/16}), or
 * {@code plain} to run the plain {@code ConvKernels} instead.
 */
record ConvTiling(int wx, int wy, int rm, int rn, int tk) {
    static final String PROPERTY = "resnet.tornado.conv.tile";
    /** GPUs: 256 work-items as 16 x 16, 64 x 64 outputs per group (narrower when a layer has fewer channels). */
    static final ConvTiling GPU = new ConvTiling(16, 16, 4, 4, 16);
    /**
     * CPU OpenCL (PoCL): 64 work-items with 4 x 8 outputs each, K in steps of 8. On PoCL 3.1 (2 shared
     * cores) it ran every ResNet-20 convolution 2-3x faster than the GPU tile and 2-5x faster than the
     * plain kernels; 8x8/8x8/8, 8x4/4x8/8, 16x4/4x8/8 and 16x8/4x4/8 were within the machine's noise
     * of it, 16x4/4x4/16 and 8x8/4x4/16 slower.
     */
    static final ConvTiling CPU = new ConvTiling(8, 8, 4, 8, 8);

    ConvTiling {
        if (wx < 1 || wy < 1 || rm < 1 || rn < 1 || tk < 1 || rm > TiledConvKernels.MAX_BLOCK
                || rn > TiledConvKernels.MAX_BLOCK || tk * wy * rm > TiledConvKernels.MAX_TILE
                || tk * wx * rn > TiledConvKernels.MAX_TILE || tk % wy != 0) {
            throw new IllegalArgumentException("conv tile " + text(wx, wy, rm, rn, tk) + " does not fit: rm, rn <= "
                    + TiledConvKernels.MAX_BLOCK + ", tk a multiple of wy, tk*wy*rm and tk*wx*rn <= "
                    + TiledConvKernels.MAX_TILE);
        }
    }

    /** The tiling for a device of this type, or null for the plain kernels; {@value #PROPERTY} overrides. */
    static ConvTiling select(TornadoDeviceType type) {
        String spec = System.getProperty(PROPERTY);
        if (spec == null || spec.isBlank()) {
            return type == TornadoDeviceType.GPU ? GPU : CPU;
        }
        return parse(spec);
    }

    /** {@code WXxWY/RMxRN/TK}, or {@code plain} (null: no tiling). */
    static ConvTiling parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("plain")) {
            return null;
        }
        String[] parts = s.split("/");
        try {
            if (parts.length != 3) {
                throw new NumberFormatException();
            }
            String[] group = parts[0].split("x");
            String[] block = parts[1].split("x");
            if (group.length != 2 || block.length != 2) {
                throw new NumberFormatException();
            }
            return new ConvTiling(Integer.parseInt(group[0]), Integer.parseInt(group[1]), Integer.parseInt(block[0]),
                    Integer.parseInt(block[1]), Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + " takes WXxWY/RMxRN/TK (e.g. 16x16/4x4/16) or plain; got '"
                    + spec + "'");
        }
    }

    /**
     * This tiling for a product with {@code rows} rows: the group keeps its width and loses rows
     * (in halves) while they would only cover zeros, so a 16-channel layer gets 16-row tiles.
     */
    ConvTiling forRows(int rows) {
        int y = wy;
        while (y > 1 && (y / 2) * rm >= rows) {
            y /= 2;
        }
        return y == wy ? this : new ConvTiling(wx, y, rm, rn, tk);
    }

    int tileRows() {
        return wy * rm;
    }

    int tileColumns() {
        return wx * rn;
    }

    /** The launch of a rows x columns product (times {@code layers} in the third dimension, 1 for none). */
    WorkerGrid grid(int rows, int columns, int layers) {
        int gx = ceilDiv(columns, tileColumns()) * wx;
        int gy = ceilDiv(rows, tileRows()) * wy;
        WorkerGrid grid = layers == 1 ? new WorkerGrid2D(gx, gy) : new WorkerGrid3D(gx, gy, layers);
        grid.setLocalWork(wx, wy, 1);
        return grid;
    }

    @Override
    public String toString() {
        return text(wx, wy, rm, rn, tk);
    }

    private static String text(int wx, int wy, int rm, int rn, int tk) {
        return wx + "x" + wy + "/" + rm + "x" + rn + "/" + tk;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}

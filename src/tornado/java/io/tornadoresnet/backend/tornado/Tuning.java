package io.tornadoresnet.backend.tornado;

import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

import java.util.Locale;

/**
 * Which device routines a plan uses, chosen once per backend from the device type, each overridable
 * by a system property (so that a run on another device needs no rebuild):
 * <ul>
 * <li>{@value ConvTiling#PROPERTY}: the convolutions' tile, {@code WXxWY/RMxRN/TK} or {@code plain};</li>
 * <li>{@value #ROWS_PROPERTY}: {@code true} or {@code false}, the convolutions by {@link RowConvKernels}
 * where they apply (the tile or the plain kernel elsewhere);</li>
 * <li>{@value #REDUCE_PROPERTY}: the work-group size of the batch-norm reductions (a power of two up to
 * {@value FusedKernels#MAX_GROUP}), or {@code plain} for the plain two-pass kernels;</li>
 * <li>{@value #FUSE_PROPERTY}: {@code true} or {@code false}, element-wise ops fused with the ReLU after them;</li>
 * <li>{@value #PLANES_PROPERTY}: {@code true} or {@code false}, the {@link PlaneKernels}, whose work-items
 * walk whole image planes or runs of memory: each training batch norm (with the ReLU after it, and its
 * backward with the ReLU backward before it, where fusion is on) as one launch a direction, the residual
 * sums and the option-A shortcuts; the batch norms take the reductions' work-group size, and with the
 * reductions plain the planes are off.</li>
 * </ul>
 *
 * @param conv        the convolutions' tile, or null for the plain kernels
 * @param rows        whether the convolutions that {@link RowConvKernels} run take that kernel
 * @param reduceGroup the reductions' work-group size, or 0 for the plain kernels
 * @param planes      whether batch norms, residual sums and shortcuts run as {@link PlaneKernels} (where the reductions are on)
 */
record Tuning(ConvTiling conv, boolean rows, int reduceGroup, boolean fuse, boolean planes) {
    static final String REDUCE_PROPERTY = "resnet.tornado.reduce.group";
    static final String FUSE_PROPERTY = "resnet.tornado.fuse";
    static final String ROWS_PROPERTY = "resnet.tornado.conv.rows";
    static final String PLANES_PROPERTY = "resnet.tornado.planes";
    static final int GPU_REDUCE_GROUP = 256;
    /**
     * Not 64: on PoCL 3.1's CPU device for an Intel Xeon (skylake-avx512), 64-wide reductions made the
     * first ResNet-20 step's conv1 gradient differ from the plain kernels by 1.4e-3 (the check
     * resnet20/first step state), while 16, 32, 128 and 256 agree within 3e-7 and the reductions alone
     * pass at every width.
     */
    static final int CPU_REDUCE_GROUP = 128;
    /** Every call with its plain kernel, as the plan lowers it. */
    static final Tuning PLAIN = new Tuning(null, false, 0, false, false);

    Tuning {
        if (reduceGroup != 0 && (reduceGroup > FusedKernels.MAX_GROUP || Integer.bitCount(reduceGroup) != 1)) {
            throw new IllegalArgumentException("-D" + REDUCE_PROPERTY + " takes a power of two up to "
                    + FusedKernels.MAX_GROUP + " or plain; got " + reduceGroup);
        }
    }

    /**
     * The defaults for a device type (GPUs: 256-wide reductions; CPUs: 128, the row convolutions,
     * 3-7x the CPU tile on PoCL for an Intel Xeon, and batch norm by planes), then the properties.
     */
    static Tuning select(TornadoDeviceType type) {
        int group = type == TornadoDeviceType.GPU ? GPU_REDUCE_GROUP : CPU_REDUCE_GROUP;
        String reduce = System.getProperty(REDUCE_PROPERTY);
        if (reduce != null && !reduce.isBlank()) {
            String r = reduce.trim().toLowerCase(Locale.ROOT);
            try {
                group = r.equals("plain") ? 0 : Integer.parseInt(r);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + REDUCE_PROPERTY + " takes a power of two up to "
                        + FusedKernels.MAX_GROUP + " or plain; got '" + reduce + "'");
            }
        }
        String fuse = System.getProperty(FUSE_PROPERTY, "true").trim().toLowerCase(Locale.ROOT);
        if (!fuse.equals("true") && !fuse.equals("false")) {
            throw new IllegalArgumentException("-D" + FUSE_PROPERTY + " takes true or false; got '" + fuse + "'");
        }
        boolean cpu = type != TornadoDeviceType.GPU;
        return new Tuning(ConvTiling.select(type), flag(ROWS_PROPERTY, cpu), group, fuse.equals("true"),
                flag(PLANES_PROPERTY, cpu));
    }

    private static boolean flag(String property, boolean byDefault) {
        String value = System.getProperty(property, String.valueOf(byDefault)).trim().toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("-D" + property + " takes true or false; got '" + value + "'");
        }
        return value.equals("true");
    }

    boolean reduces() {
        return reduceGroup > 0;
    }

    /** Whether the {@link PlaneKernels} run: asked for, with a work-group size for the batch norms to take. */
    boolean byPlanes() {
        return planes && reduces();
    }

    @Override
    public String toString() {
        return "conv " + (conv == null ? "plain" : conv) + ", reductions " + (reduces() ? reduceGroup + "-wide" : "plain")
                + ", fusion " + (fuse ? "on" : "off") + ", planes " + (byPlanes() ? "on" : "off");
    }
}

package io.tornadoresnet.plan;

import io.tornadoresnet.tensor.Shape;

/** One row of a model's layer table: what a layer is, what it outputs, what it costs per image. */
public record LayerInfo(String name, String type, Shape output, long params, long macs) {
}

package io.tornadoresnet.nn;

import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Layers applied in order, like nn.Sequential. */
public final class Sequence implements Layer {
    private final List<Layer> layers;

    public Sequence(List<? extends Layer> layers) {
        this.layers = List.copyOf(layers);
    }

    public List<Layer> layers() {
        return layers;
    }

    @Override
    public Node forward(PlanBuilder b, Tensor x) {
        Chain chain = new Chain();
        Tensor t = x;
        for (Layer layer : layers) {
            t = chain.then(layer.forward(b, t));
        }
        return new Node(t, chain::backward);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        layers.forEach(l -> all.addAll(l.parameters()));
        return all;
    }

    @Override
    public void stateDict(Map<String, Tensor> into) {
        layers.forEach(l -> l.stateDict(into));
    }

}

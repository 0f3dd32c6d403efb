package io.tornadoresnet.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tornadoresnet.io.SafeTensors.Contents;
import io.tornadoresnet.io.SafeTensors.Entry;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.tensor.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    private static final Shape CIFAR = Shape.of(3, 32, 32);

    @TempDir
    Path dir;

    private Contents saved(String model, int classes) throws IOException {
        ResNet net = ResNets.create(model, CIFAR, classes);
        net.initialize(1);
        Path file = dir.resolve(model + "-" + classes + ".safetensors");
        Checkpoint.save(file, net, 7, Map.of("epoch", "2"));
        return SafeTensors.read(file);
    }

    /** The same file with its tensors or metadata changed. */
    private Contents rewritten(Contents original, LinkedHashMap<String, Entry> tensors, Map<String, String> metadata)
            throws IOException {
        Path file = dir.resolve("changed.safetensors");
        SafeTensors.write(file, tensors, metadata);
        return SafeTensors.read(file);
    }

    @Test
    void restoresWhatWasSavedAndRebuildsTheModelFromTheFile() throws IOException {
        Contents contents = saved("resnet8", 10);
        ResNet model = Checkpoint.model(contents);
        assertEquals(7, Checkpoint.restore(model, contents));
        ResNet original = ResNets.create("resnet8", CIFAR, 10);
        original.initialize(1);
        original.stateDict().forEach((name, t) -> assertArrayEquals(t.data(), model.stateDict().get(name).data(), name));
    }

    @Test
    void anotherModelsCheckpointNamesTheFirstTensorThatDoesNotFit() throws IOException {
        Contents resnet20 = saved("resnet20", 10);
        CheckpointException missing = assertThrows(CheckpointException.class,
                () -> Checkpoint.restore(ResNets.create("resnet32", CIFAR, 10), resnet20));
        assertEquals(resnet20.source() + ": has no tensor 'layer1.3.conv1.weight', which resnet32 needs"
                + " (a checkpoint of another model?)", missing.getMessage());

        Contents resnet32 = saved("resnet32", 10);
        CheckpointException extra = assertThrows(CheckpointException.class,
                () -> Checkpoint.restore(ResNets.create("resnet20", CIFAR, 10), resnet32));
        assertEquals(resnet32.source() + ": tensor 'layer1.3.conv1.weight' is not part of resnet20"
                + " (a checkpoint of another model?)", extra.getMessage());

        CheckpointException shape = assertThrows(CheckpointException.class,
                () -> Checkpoint.restore(ResNets.create("resnet20", CIFAR, 100), resnet20));
        assertEquals(resnet20.source() + ": tensor 'fc.weight' is F32[10, 64], resnet20 wants F32[100, 64]"
                + " (a checkpoint of another model?)", shape.getMessage());
    }

    @Test
    void batchCounterMustBeOneInteger() throws IOException {
        Contents contents = saved("resnet8", 10);
        LinkedHashMap<String, Entry> tensors = new LinkedHashMap<>(contents.tensors());
        tensors.put("bn1.num_batches_tracked", Entry.f32(new float[] {7}));
        Contents changed = rewritten(contents, tensors, contents.metadata());
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Checkpoint.restore(Checkpoint.model(changed), changed));
        assertEquals(changed.source() + ": tensor 'bn1.num_batches_tracked' is F32[], not one I64", e.getMessage());
    }

    @Test
    void metadataThatLiesAboutTheModelIsRefusedBeforeItIsBuilt() throws IOException {
        Contents contents = saved("resnet8", 10);
        Map<String, String> classes = new LinkedHashMap<>(contents.metadata());
        classes.put("classes", "4000000");
        Contents manyClasses = rewritten(contents, contents.tensors(), classes);
        assertEquals(manyClasses.source() + ": metadata says 4000000 classes but tensor 'fc.bias' is F32[10]",
                assertThrows(CheckpointException.class, () -> Checkpoint.model(manyClasses)).getMessage());

        Map<String, String> unknown = new LinkedHashMap<>(contents.metadata());
        unknown.put("model", "resnet7");
        Contents unknownModel = rewritten(contents, contents.tensors(), unknown);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.model(unknownModel));
        assertEquals(unknownModel.source() + ": metadata names no model this program builds: unknown model 'resnet7':"
                + " use resnet/plain with a CIFAR depth 6n+2 (8, 20, 32, 44, 56, 110, 1202, ...) or an ImageNet depth"
                + " (18, 34, 50, 101, 152)", e.getMessage());

        Map<String, String> none = new LinkedHashMap<>(contents.metadata());
        none.remove("input");
        Contents noInput = rewritten(contents, contents.tensors(), none);
        assertEquals(noInput.source() + ": metadata lacks 'input': not written by tornado-resnet or its PyTorch script",
                assertThrows(CheckpointException.class, () -> Checkpoint.model(noInput)).getMessage());
    }
}

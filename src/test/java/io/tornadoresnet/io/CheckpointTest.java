package io.tornadoresnet.io;

import io.tornadoresnet.io.CheckpointMetadata.EpochProgress;
import io.tornadoresnet.io.CheckpointMetadata.InputNormalization;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    @TempDir
    Path dir;

    private static ResNet model() {
        ResNet model = ResNets.create("resnet8", Shape.of(1, 8, 8), 4, Shortcut.B);
        model.initialize(7);
        return model;
    }

    private static CheckpointMetadata metadata(ResNet model) {
        return new CheckpointMetadata(model.name(), model.imageShape(), model.classes(), model.shortcut(), 3, 47,
                new EpochProgress(5, 1, 9.25, 61, 64, 1.5, 2, 0.25), 11, "sgd(momentum=0.9)", "synthetic",
                List.of("cat", "dog", "t-shirt/top", "bag"), "# recipe\nlr=0.1\n",
                new InputNormalization("channel_mean_std", new float[] {0.1f}, new float[] {0.3f}));
    }

    /** The model saved with {@link #metadata} as c.safetensors in the test's folder. */
    private Path saved(ResNet model) throws IOException {
        Path file = dir.resolve("c.safetensors");
        Checkpoint.save(file, model, metadata(model));
        return file;
    }

    @Test
    void metadataComesBackTypedAndExact() throws IOException {
        ResNet model = model();
        Path file = saved(model);
        Checkpoint.Loaded loaded = Checkpoint.read(file);
        assertEquals(metadata(model), loaded.metadata());
        assertEquals("epoch 4, step 47", loaded.metadata().position());
        ResNet copy = Checkpoint.model(loaded.metadata());
        Checkpoint.restore(copy, loaded.contents());
        model.stateDict().forEach((name, t) -> assertArrayEquals(t.data(), copy.stateDict().get(name).data(), name));
        assertEquals(47L, loaded.contents().tensors().get("bn1.num_batches_tracked").longs()[0]);
    }

    @Test
    void pyTorchsMetadataReadsAsARunThatHasNotStarted() {
        CheckpointMetadata m = CheckpointMetadata.fromMap(Map.of("format", Checkpoint.FORMAT, "model", "resnet20",
                "input", "3x32x32", "classes", "10"));
        assertEquals(0, m.epoch());
        assertEquals("end of epoch 0, step 0", m.position());
        assertEquals(EpochProgress.NONE, m.partial());
        assertEquals(InputNormalization.NONE, m.normalization());
        assertEquals(List.of(), m.classNames());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CheckpointMetadata.fromMap(
                Map.of("model", "resnet20", "input", "3x32x32", "classes", "10", "epoch", "three")));
        assertTrue(e.getMessage().contains("'epoch'"), e.getMessage());
    }

    @Test
    void aCorruptedByteInTheWeightsIsCaughtAndNamesTheFile() throws IOException {
        Path file = saved(model());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 100] ^= 0x10;
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().startsWith(file + ": checksum mismatch"), e.getMessage());
    }

    @Test
    void aCorruptedByteInTheMetadataIsCaught() throws IOException {
        Path file = saved(model());
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\"step\":\"47\"") + "\"step\":\"".length();
        bytes[at] = '9';
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void aFileWithoutChecksumIsTakenAsItIs() throws IOException {
        ResNet model = model();
        Path file = saved(model);
        SafeTensors.Contents contents = SafeTensors.read(file);
        assertTrue(contents.metadata().containsKey(Checkpoint.CHECKSUM));
        Path plain = dir.resolve("plain.safetensors");
        SafeTensors.write(plain, contents.tensors(), metadata(model).toMap());
        assertEquals(metadata(model), Checkpoint.read(plain).metadata());
    }

    @Test
    void aDirectoryIsNotACheckpoint() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("last.safetensors"));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(folder));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }

    @Test
    void theChecksumCoversEveryTensorByte() {
        Map<String, SafeTensors.Entry> a = Map.of("t", SafeTensors.Entry.f32(new float[] {1f, 2f}, 2));
        Map<String, SafeTensors.Entry> b = Map.of("t", SafeTensors.Entry.f32(new float[] {1f, Math.nextUp(2f)}, 2));
        assertTrue(Checkpoint.checksum(a, Map.of()) != Checkpoint.checksum(b, Map.of()));
        ByteBuffer le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(le.array());
        assertEquals((int) crc.getValue(), Checkpoint.checksum(a, Map.of()), "CRC32C of the little-endian bytes");
    }
}

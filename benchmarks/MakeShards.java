import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Packs an image folder (DIR/<class>/*.jpg) into WebDataset tar shards (OUT/shard-000000.tar, ...,
 * each sample KEY.jpg and KEY.cls, the classes mixed in a seeded random order) and OUT/classes.txt.
 *
 * <pre>java benchmarks/MakeShards.java DIR OUT SAMPLES_PER_SHARD</pre>
 */
public class MakeShards {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int perShard = Integer.parseInt(args[2]);
        List<String> classes;
        try (Stream<Path> list = Files.list(dir)) {
            classes = list.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            try (Stream<Path> list = Files.list(dir.resolve(classes.get(label)))) {
                for (Path file : list.filter(p -> p.toString().endsWith(".jpg")).sorted().toList()) {
                    files.add(file);
                    labels.add(label);
                }
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(0));
        Files.createDirectories(out);
        Files.write(out.resolve("classes.txt"), classes);
        for (int shard = 0; shard * perShard < order.size(); shard++) {
            try (OutputStream tar = Files.newOutputStream(out.resolve(String.format("shard-%06d.tar", shard)))) {
                for (int k = shard * perShard; k < Math.min(order.size(), (shard + 1) * perShard); k++) {
                    int i = order.get(k);
                    String key = String.format("%08d", i);
                    member(tar, key + ".jpg", Files.readAllBytes(files.get(i)));
                    member(tar, key + ".cls", Integer.toString(labels.get(i)).getBytes(StandardCharsets.US_ASCII));
                }
                tar.write(new byte[1024]);
            }
        }
    }

    /** One ustar member: a 512-byte header, the data, zeros to the next 512-byte boundary. */
    static void member(OutputStream tar, String name, byte[] data) throws IOException {
        byte[] header = new byte[512];
        put(header, 0, name);
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", data.length));
        put(header, 136, "00000000000");
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xFF;
        }
        put(header, 148, String.format("%06o", sum));
        header[154] = 0;
        tar.write(header);
        tar.write(data);
        tar.write(new byte[(512 - data.length % 512) % 512]);
    }

    static void put(byte[] header, int at, String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, at, b.length);
    }
}

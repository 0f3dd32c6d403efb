package io.tornadoresnet.cli;

import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Datasets;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.train.Evaluator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Evaluates a checkpoint on a test set (by default the data set of its recipe). */
final class EvalCommand implements Main.Command {

    @Override
    public String summary() {
        return "--checkpoint FILE [--data DIR] [--dataset fashion-mnist|mnist|cifar10|cifar100|folder]"
                + " [--limit-test N] [--batch N] [--threads N] [--backend jvm|tornado] [--json]";
    }

    @Override
    public int run(Args args, PrintStream out) throws IOException {
        Checkpoints ck = Checkpoints.open(args.string("checkpoint", null));
        String kind = args.string("dataset", ck.recipe().get("dataset"));
        if (kind.equals(TrainCommand.SYNTHETIC)) {
            throw new Args.UsageException("this checkpoint was trained on synthetic data: give --dataset and --data");
        }
        String dataOption = args.string("data", ck.recipe().get("data"));
        Path dir = dataOption == null || dataOption.isBlank() ? Datasets.defaultDir(kind) : Path.of(dataOption);
        int limit = args.integer("limit-test", 0);
        int batch = args.positiveInteger("batch", 500);
        boolean json = args.flag("json");
        try (Backend backend = Backends.fromArgs(args)) {
            args.rejectUnknown();
            Shape shape = ck.model().imageShape();
            Dataset test = Datasets.open(kind, dir, false, kind.equals("folder") ? shape : null,
                    ck.recipe().integer("resize"));
            if (limit > 0) {
                test = Splits.limit(test, limit);
            }
            if (test.numClasses() != ck.model().classes()) {
                throw new IllegalArgumentException("the checkpoint has " + ck.model().classes() + " classes, " + test
                        + " has " + test.numClasses());
            }
            Evaluator.Evaluation e;
            try (Backend.Executable inference = backend.compile(ck.model().compileInference(Math.min(batch,
                    test.size())))) {
                inference.pushModelState();
                e = Evaluator.evaluate(inference, test, ck.normalization());
            }
            out.printf("%s on %s: accuracy %.2f%%, loss %.4f over %d images%n", ck.model().name(), test,
                    100 * e.accuracy(), e.loss(), e.images());
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", ck.model().name());
                o.put("test_accuracy", e.accuracy());
                o.put("test_loss", e.loss());
                o.put("images", e.images());
                out.println(Json.write(o));
            }
        }
        return 0;
    }
}

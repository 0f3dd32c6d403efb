#!/usr/bin/env python3
"""PyTorch side of tornado-resnet's checkpoints: the same ResNets, built from a checkpoint's metadata.

Checkpoints and probes are safetensors files (read and written here with the standard library,
little-endian, no safetensors package). Checkpoint metadata (all strings):
  format   "tornado-resnet"
  model    resnet<6n+2> / plain<6n+2> (CIFAR family, paper section 4.2), or
           resnet18/34/50/101/152 / plain18/... (ImageNet family, torchvision's layout);
           18, 34, 50, 101 and 152 always name the ImageNet family
  input    "CxHxW", e.g. "3x32x32"
  classes  e.g. "10"
  shortcut "A" (zero-padding identity, the default) or "B" (projection) for CIFAR-family resnets;
           absent for plain nets; ImageNet-family resnets always use B (the key may be absent)
  params   optional: the parameter count, checked by `check` when present
Tensors are the model's state dict under PyTorch's names (F32; num_batches_tracked I64 scalars);
tensors named "optimizer.*" are ignored. A probe holds "input" [N][C][H][W] and "logits" [N][K].

Usage (each command prints one JSON line last; errors print {"error": ...} and exit 2):
  torch_interop.py export --model M --input CxHxW --classes K [--shortcut A|B] --seed S
                          --checkpoint OUT --probe OUT [--batch 4]
  torch_interop.py check --checkpoint F --probe P [--tolerance 1e-4]   (exit 1 when over tolerance)
  torch_interop.py params --model M --input CxHxW --classes K [--shortcut A|B]
  torch_interop.py bench --model M --input CxHxW --classes K [--batch 128] [--mode train|infer]
                         [--threads 2] [--iters 5] [--repeats 5] [--warmup 3] [--device cpu|cuda]
        (images/s of the same network in PyTorch: the median of timed blocks, as `resnet bench`;
         on cuda: fp32 throughout (TF32 off), cuDNN's autotuner on, the GPU synchronised around
         each timed block)
  torch_interop.py eval --checkpoint F [--data DIR] [--crops 1|flip] [--limit-test N] [--batch 500]
                        [--threads 2]
        (test accuracy and loss of a Fashion-MNIST checkpoint, as `resnet eval` computes them: the
         checkpoint's input normalisation, and with --crops flip each image's softmax scores
         averaged with its mirror image's)
  torch_interop.py train --task tasks/NAME.properties [--data DIR] [--epochs N] [--limit-train N]
                         [--limit-test N] [--threads 2]
        (the recipe of a Fashion-MNIST task, as `resnet train` runs it, in PyTorch: a line per epoch
         on stderr, then the JSON with every epoch's test accuracy and training seconds)
"""
import argparse
import gzip
import json
import math
import os
import re
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "tornado-resnet"
DTYPES = {"F32": torch.float32, "I64": torch.int64, "I32": torch.int32}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
DTYPE_BYTES = {"F32": 4, "I64": 8, "I32": 4}
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
IMAGENET = {18: ("basic", [2, 2, 2, 2]), 34: ("basic", [3, 4, 6, 3]), 50: ("bottleneck", [3, 4, 6, 3]),
            101: ("bottleneck", [3, 4, 23, 3]), 152: ("bottleneck", [3, 8, 36, 3])}


class InteropError(Exception):
    """A bad argument, file or checkpoint: reported as {"error": ...}."""


# ---------------------------------------------------------------------------------------------
# safetensors


def write_safetensors(path, tensors, metadata=None):
    """Writes an ordered dict of tensors (F32/I64/I32) and a str->str metadata dict."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in DTYPE_NAMES:
            raise InteropError(f"tensor {name}: unsupported dtype {t.dtype}")
        data = bytearray(t.numel() * t.element_size())
        if data:
            torch.frombuffer(data, dtype=t.dtype).copy_(t.reshape(-1))
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    """Returns (dict of tensors in header order, metadata dict), validating the layout."""
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    if len(raw) < 8:
        raise InteropError(f"{path}: truncated, {len(raw)} bytes")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise InteropError(f"{path}: header of {n} bytes runs past the end of the file ({len(raw)} bytes)")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise InteropError(f"{path}: duplicate key in header")
        return dict(pairs)

    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InteropError(f"{path}: bad header: {e}")
    if not isinstance(header, dict):
        raise InteropError(f"{path}: header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(raw)[8 + n:]
    tensors, spans = {}, []
    for name, spec in header.items():
        try:
            dtype, shape, (begin, end) = DTYPES.get(spec["dtype"]), spec["shape"], spec["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise InteropError(f"{path}: tensor {name}: malformed header entry {spec!r}")
        if dtype is None:
            raise InteropError(f"{path}: tensor {name}: unsupported dtype {spec['dtype']}")
        count = 1
        for d in shape:
            count *= d
        if end - begin != count * DTYPE_BYTES[spec["dtype"]]:
            raise InteropError(f"{path}: tensor {name}: shape {shape} does not match data_offsets {[begin, end]}")
        spans.append((begin, end, name))
    expected = 0
    for begin, end, name in sorted(spans):
        if begin != expected:
            raise InteropError(f"{path}: tensor {name}: data_offsets overlap or leave a gap")
        expected = end
    if expected != len(data):
        raise InteropError(f"{path}: data section is {len(data)} bytes, header describes {expected}")
    for (begin, end, name) in spans:
        dtype, shape = DTYPES[header[name]["dtype"]], header[name]["shape"]
        if begin == end:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(data[begin:end], dtype=dtype).clone().reshape(shape)
    return tensors, metadata


# ---------------------------------------------------------------------------------------------
# models


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


def conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convs. shortcut: "A" (subsample + zero channels), "B" (projection when the shape
    changes, identity otherwise) or None (a plain net: no shortcut at all)."""
    expansion = 1

    def __init__(self, cin, planes, stride, shortcut):
        super().__init__()
        self.conv1 = conv3x3(cin, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = projection(cin, planes, stride, shortcut)
        self.shortcut, self.stride, self.pad = shortcut, stride, planes - cin

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.shortcut is not None:
            out = out + shortcut_branch(self, x)
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (carrying the stride, torchvision v1.5), 1x1 expand by 4."""
    expansion = 4

    def __init__(self, cin, planes, stride, shortcut):
        super().__init__()
        out = planes * self.expansion
        self.conv1 = conv1x1(cin, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, out)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = projection(cin, out, stride, shortcut)
        self.shortcut, self.stride, self.pad = shortcut, stride, out - cin

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.shortcut is not None:
            out = out + shortcut_branch(self, x)
        return self.relu(out)


def projection(cin, cout, stride, shortcut):
    """Option B's conv1x1 + BN when the shape changes; None otherwise."""
    if shortcut == "B" and (stride != 1 or cin != cout):
        return nn.Sequential(conv1x1(cin, cout, stride), nn.BatchNorm2d(cout))
    return None


def shortcut_branch(block, x):
    """The shortcut branch of a block with a shortcut."""
    if block.downsample is not None:
        return block.downsample(x)
    if block.shortcut == "A":
        s = x[:, :, ::block.stride, ::block.stride] if block.stride != 1 else x
        return F.pad(s, (0, 0, 0, 0, block.pad // 2, block.pad - block.pad // 2)) if block.pad else s
    return x


class ResNet(nn.Module):
    """CIFAR family (3x3 stem, three stages of 16/32/64) or ImageNet family (7x7/2 stem and max
    pool, four stages of 64..512 x expansion), with torchvision's module names."""

    def __init__(self, spec):
        super().__init__()
        block, layers, shortcut_kind = spec.block, spec.layers, spec.shortcut
        cin = spec.channels
        if spec.imagenet:
            width = 64
            self.conv1 = nn.Conv2d(cin, width, 7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
            planes = [64, 128, 256, 512]
        else:
            width = 16
            self.conv1 = conv3x3(cin, width)
            self.maxpool = None
            planes = [16, 32, 64]
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        for i, (p, count) in enumerate(zip(planes, layers)):
            blocks = []
            for j in range(count):
                stride = 2 if i > 0 and j == 0 else 1
                blocks.append(block(width, p, stride, shortcut_kind))
                width = p * block.expansion
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.num_layers = len(layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width, spec.classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        for i in range(self.num_layers):
            x = getattr(self, f"layer{i + 1}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Spec:
    """A model named by checkpoint metadata: family, blocks per stage, shortcut, input, classes."""

    def __init__(self, model, input_shape, classes, shortcut=None):
        m = re.fullmatch(r"(resnet|plain)(\d+)", model or "")
        if not m:
            raise InteropError(f"unknown model {model!r}: expected resnetN or plainN")
        residual, depth = m.group(1) == "resnet", int(m.group(2))
        self.imagenet = depth in IMAGENET
        if self.imagenet:
            kind, self.layers = IMAGENET[depth]
            self.block = BasicBlock if kind == "basic" else Bottleneck
        elif depth >= 8 and (depth - 2) % 6 == 0:
            self.block, self.layers = BasicBlock, [(depth - 2) // 6] * 3
        else:
            raise InteropError(f"model {model}: depth must be 6n+2 (CIFAR) or one of {sorted(IMAGENET)} (ImageNet)")
        if shortcut not in (None, "A", "B"):
            raise InteropError(f"shortcut must be A or B, not {shortcut!r}")
        if shortcut is not None and not residual:
            raise InteropError(f"model {model}: a plain net has no shortcut")
        if shortcut == "A" and self.imagenet:
            raise InteropError(f"model {model}: the ImageNet family uses projection shortcuts (B) only")
        if not residual:
            self.shortcut = None
        elif self.imagenet:
            self.shortcut = "B"
        else:
            self.shortcut = shortcut or "A"
        dims = re.fullmatch(r"(\d+)x(\d+)x(\d+)", input_shape or "")
        if not dims or 0 in map(int, dims.groups()):
            raise InteropError(f"input must look like 3x32x32, not {input_shape!r}")
        self.channels, self.height, self.width = map(int, dims.groups())
        if not (classes or "").isdigit() or int(classes) < 1:
            raise InteropError(f"classes must be a positive integer, not {classes!r}")
        self.classes = int(classes)
        self.model, self.input = model, input_shape
        self.residual_cifar = residual and not self.imagenet

    @staticmethod
    def from_metadata(metadata):
        if metadata.get("format") != FORMAT:
            raise InteropError(f"checkpoint metadata format is {metadata.get('format')!r}, not {FORMAT!r}")
        return Spec(metadata.get("model"), metadata.get("input"), metadata.get("classes"), metadata.get("shortcut"))

    def metadata(self):
        md = {"format": FORMAT, "model": self.model, "input": self.input, "classes": str(self.classes)}
        if self.residual_cifar:
            md["shortcut"] = self.shortcut
        return md


def param_count(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------
# commands


def export(args):
    spec = Spec(args.model, args.input, args.classes, args.shortcut)
    torch.manual_seed(args.seed)
    model = ResNet(spec)
    randomise_batch_norm(model, spec)
    model.eval()
    x = torch.randn(args.batch, spec.channels, spec.height, spec.width)
    with torch.no_grad():
        logits = model(x)
    metadata = dict(spec.metadata(), params=str(param_count(model)), seed=str(args.seed))
    write_safetensors(args.checkpoint, model.state_dict(), metadata)
    write_safetensors(args.probe, {"input": x, "logits": logits})
    return {"checkpoint": args.checkpoint, "probe": args.probe, "model": spec.model,
            "params": param_count(model), "tensors": len(model.state_dict()),
            "logits_max_abs": logits.abs().max().item()}


def randomise_batch_norm(model, spec):
    """Gives every BN a random affine transform, then running statistics measured on random
    batches (so activations stay normalised even in deep nets) and perturbed, and a random
    num_batches_tracked: a check that ignores or mixes up any of them fails."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.2)
            bn.momentum = None  # cumulative average over the calibration batches
        model.train()
        for _ in range(2):
            model(torch.randn(8, spec.channels, spec.height, spec.width))
        for bn in bns:
            bn.momentum = 0.1
            bn.running_mean.add_(torch.randn_like(bn.running_mean) * 0.1)
            bn.running_var.mul_(torch.empty_like(bn.running_var).uniform_(0.8, 1.25))
            bn.num_batches_tracked.fill_(int(torch.randint(1, 100000, ())))


def load_model(tensors, metadata):
    """(spec, model with the checkpoint's weights, parameter count), the weights checked name by name."""
    spec = Spec.from_metadata(metadata)
    model = ResNet(spec)
    state = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:  # checked here: load_state_dict lets num_batches_tracked go missing
        raise InteropError(f"checkpoint does not fit {spec.model}: missing {missing}, unexpected {unexpected}")
    for name, t in state.items():
        if t.dtype != expected[name].dtype:
            raise InteropError(f"{name}: checkpoint dtype {DTYPE_NAMES[t.dtype]}, model needs {DTYPE_NAMES[expected[name].dtype]}")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise InteropError(f"checkpoint does not fit {spec.model}: {e}")
    params = param_count(model)
    if "params" in metadata and metadata["params"] != str(params):
        raise InteropError(f"checkpoint metadata says {metadata['params']} parameters, {spec.model} built here has {params}")
    return spec, model, params


def check(args):
    spec, model, params = load_model(*read_safetensors(args.checkpoint))
    probe, _ = read_safetensors(args.probe)
    x, want = probe.get("input"), probe.get("logits")
    if x is None or want is None:
        raise InteropError(f"{args.probe}: needs tensors 'input' and 'logits'")
    if x.dtype != torch.float32 or list(x.shape[1:]) != [spec.channels, spec.height, spec.width] or x.dim() != 4:
        raise InteropError(f"probe input {list(x.shape)} does not fit input {spec.input}")
    model.eval()
    with torch.no_grad():
        got = model(x)
    if got.shape != want.shape:
        raise InteropError(f"logits shape {list(got.shape)}, probe has {list(want.shape)}")
    diff = (got - want.float()).abs().max().item() if got.numel() else 0.0
    return {"max_abs_diff": diff, "ok": diff <= args.tolerance, "tolerance": args.tolerance,
            "params": params, "model": spec.model}


def params(args):
    spec = Spec(args.model, args.input, args.classes, args.shortcut)
    return {"params": param_count(ResNet(spec))}


def normaliser(metadata, spec):
    """The checkpoint's input normalisation as a function of a batch, computed as the JVM side does."""
    kind = metadata.get("normalization", "none")

    def floats(key, count):
        text = metadata.get(key, "")
        values = [float(v) for v in text.split(",")] if text else []
        if len(values) != count:
            raise InteropError(f"normalization {kind} of a {spec.input} input needs {count} values in {key}, "
                               f"the checkpoint has {len(values)}")
        return torch.tensor(values, dtype=torch.float32)

    if kind == "none":
        return lambda x: x
    if kind == "channel_mean_std":
        mean = floats("normalization_mean", spec.channels).reshape(1, -1, 1, 1)
        scale = (1 / floats("normalization_std", spec.channels)).reshape(1, -1, 1, 1)
        return lambda x: (x - mean) * scale
    if kind == "pixel_mean":
        mean = floats("normalization_mean", spec.channels * spec.height * spec.width)
        mean = mean.reshape(1, spec.channels, spec.height, spec.width)
        return lambda x: x - mean
    raise InteropError(f"normalization {kind!r} is not implemented on the PyTorch side")


def evaluate(args):
    if args.batch < 1:
        raise InteropError(f"--batch must be at least 1, not {args.batch}")
    tensors, metadata = read_safetensors(args.checkpoint)
    spec, model, _ = load_model(tensors, metadata)
    if metadata.get("dataset", "fashion-mnist") != "fashion-mnist":
        raise InteropError(f"{args.checkpoint} was trained on {metadata['dataset']}: the PyTorch side evaluates "
                           f"fashion-mnist only")
    x, y = idx_part(args.data or FASHION_MNIST, "t10k", args.limit_test or 0)
    if list(x.shape[1:]) != [spec.channels, spec.height, spec.width] or y.max().item() >= spec.classes:
        raise InteropError(f"the test images ({'x'.join(map(str, x.shape[1:]))}, labels up to {y.max().item()}) "
                           f"do not fit {spec.model} on {spec.input} with {spec.classes} classes")
    normalise = normaliser(metadata, spec)
    torch.set_num_threads(args.threads)
    model.eval()
    # As `resnet eval --crops flip`: each view's softmax scores, averaged; the mirror image is taken
    # before normalising, so that a per-pixel mean stays with its pixel.
    views = [x] if args.crops == "1" else [x, torch.flip(x, dims=[3])]
    scores = torch.zeros(x.shape[0], spec.classes)
    with torch.no_grad():
        for view in views:
            for i in range(0, x.shape[0], args.batch):
                scores[i:i + args.batch] += F.softmax(model(normalise(view[i:i + args.batch])), dim=1)
    scores /= len(views)
    loss = -torch.log(scores[torch.arange(x.shape[0]), y]).mean().item()
    accuracy = (scores.argmax(1) == y).float().mean().item()
    return {"system": "pytorch-" + torch.__version__, "model": spec.model, "crops": args.crops,
            "images": x.shape[0], "test_accuracy": accuracy, "test_loss": loss}


def bench(args):
    """Training steps (SGD as the paper: momentum 0.9, weight decay 1e-4) or inference, synthetic data."""
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda:
        if not torch.cuda.is_available():
            raise InteropError("--device cuda: this PyTorch sees no CUDA device")
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    spec = Spec(args.model, args.input, args.classes, args.shortcut)
    model = ResNet(spec).to(device)
    x = torch.randn(args.batch, spec.channels, spec.height, spec.width, device=device)
    y = torch.randint(0, spec.classes, (args.batch,), device=device)
    if args.mode == "train":
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)

        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.no_grad():
                model(x)

    def synchronize():
        if cuda:
            torch.cuda.synchronize(device)

    for _ in range(args.warmup):
        step()
    synchronize()
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.iters):
            step()
        synchronize()
        rates.append(args.batch * args.iters / (time.perf_counter() - start))
    if args.profile:
        # Where the time of a step goes, by aten op, on stderr: stdout keeps its one JSON line.
        with torch.autograd.profiler.profile(use_cuda=cuda) as prof:
            for _ in range(args.iters):
                step()
            synchronize()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15), file=sys.stderr)
    result = {"system": "pytorch-" + torch.__version__, "model": spec.model, "input": spec.input, "mode": args.mode,
              "batch": args.batch, "threads": args.threads, "images_per_s": round(sorted(rates)[len(rates) // 2], 1),
              "device": args.device}
    if cuda:
        result.update({"device_name": torch.cuda.get_device_name(device), "cuda": torch.version.cuda,
                       "cudnn": torch.backends.cudnn.version(), "cudnn_benchmark": True, "tf32": False,
                       "peak_memory_mib": round(torch.cuda.max_memory_allocated(device) / 2 ** 20, 1)})
    return result


# ---------------------------------------------------------------------------------------------
# training by a recipe

# The recipe keys `resnet train` reads, with its defaults (train.Recipe); keys outside this list are
# refused where they would change the recipe, so that both sides always train the same thing.
RECIPE_DEFAULTS = {"model": "resnet20", "shortcut": "A", "dataset": "fashion-mnist", "epochs": "15", "batch": "128",
                   "lr": "0.1", "schedule": "step", "milestones": "", "momentum": "0.9", "weight_decay": "1e-4",
                   "nesterov": "false", "augment_pad": "0", "augment_padding": "zero", "augment_flip": "false",
                   "augment_erase": "0", "normalization": "channel", "seed": "0", "eval_batch": "500", "limit_train": "0",
                   "limit_test": "0"}
RECIPE_NEUTRAL = {"description", "backend", "checkpoint_every", "strict", "data_threads", "skip_nonfinite", "data"}
RECIPE_UNSUPPORTED_UNLESS = {"holdout": "0", "warmup_steps": "0", "augment_scale": "", "augment_lighting": "0",
                             "accumulate": "1", "ghost_batch": "1", "sync_bn": "false", "resize": "0", "input": "",
                             "models": ""}


def read_recipe(path):
    """A tasks/*.properties file as a dict over RECIPE_DEFAULTS (key=value or key: value, # comments)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise InteropError(f"no recipe at {path}: {e.strerror}")
    recipe = dict(RECIPE_DEFAULTS)
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        m = re.fullmatch(r"([^=:\s]+)\s*[=:]\s*(.*)", line)
        if not m:
            raise InteropError(f"{path}:{number}: expected key=value, not {line!r}")
        key, value = m.group(1), m.group(2).strip()
        if key in RECIPE_UNSUPPORTED_UNLESS:
            if value.lower() != RECIPE_UNSUPPORTED_UNLESS[key]:
                raise InteropError(f"{path}: {key}={value} is not implemented on the PyTorch side")
        elif key not in RECIPE_DEFAULTS and key not in RECIPE_NEUTRAL:
            raise InteropError(f"{path}: unknown recipe key {key!r}")
        recipe[key] = value
    if recipe["dataset"] != "fashion-mnist":
        raise InteropError(f"{path}: dataset {recipe['dataset']!r}: the PyTorch side trains on fashion-mnist only")
    if recipe["normalization"] not in ("channel", "none"):
        raise InteropError(f"{path}: normalization {recipe['normalization']!r} is not implemented on the PyTorch side")
    if recipe["augment_padding"] not in ("zero", "reflect"):
        raise InteropError(f"{path}: augment_padding must be zero or reflect, not {recipe['augment_padding']!r}")
    try:
        erasing = float(recipe["augment_erase"])
    except ValueError:
        erasing = -1.0
    if not 0 <= erasing <= 1:
        raise InteropError(f"{path}: augment_erase must be a probability from 0 to 1, not {recipe['augment_erase']!r}")
    return recipe


def read_idx(directory, stem, kind):
    """MNIST's IDX file <stem>-<kind>-ubyte (raw or .gz) as a uint8 tensor of its dimensions."""
    for name in (f"{stem}-{kind}-ubyte", f"{stem}.{kind}-ubyte"):
        for path in (os.path.join(directory, name), os.path.join(directory, name + ".gz")):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    raw = f.read()
                if raw[:2] == b"\x1f\x8b":
                    raw = gzip.decompress(raw)
                if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
                    raise InteropError(f"{path}: not an IDX file of unsigned bytes")
                dims = struct.unpack(f">{raw[3]}I", raw[4:4 + 4 * raw[3]])
                data = raw[4 + 4 * raw[3]:]
                count = 1
                for d in dims:
                    count *= d
                if len(data) != count:
                    raise InteropError(f"{path}: {len(data)} bytes of data, its header says {count}")
                return torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(dims)
    raise InteropError(f"no {stem}-{kind}-ubyte[.gz] in {directory}")


def idx_part(directory, stem, limit):
    """(images, labels) of the IDX files <stem>-images/labels: images float [N][1][H][W] in [0, 1]."""
    images, labels = read_idx(directory, stem, "images-idx3"), read_idx(directory, stem, "labels-idx1")
    if images.shape[0] != labels.shape[0]:
        raise InteropError(f"{directory}: {images.shape[0]} {stem} images but {labels.shape[0]} labels")
    if limit > 0:
        images, labels = images[:limit], labels[:limit]
    return images.unsqueeze(1).float() / 255, labels.long()


def fashion_mnist(directory, limit_train, limit_test):
    """(train images, train labels, test images, test labels): images float [N][1][28][28] in [0, 1]."""
    return [*idx_part(directory, "train", limit_train), *idx_part(directory, "t10k", limit_test)]


def augment(x, pad, reflect, flip, generator):
    """Random crops of the images padded by pad on each side (reflected or zero), then random mirror images."""
    n, c, h, w = x.shape
    if pad > 0:
        padded = F.pad(x, (pad, pad, pad, pad), mode="reflect" if reflect else "constant")
        dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
        rows = (dy[:, None] + torch.arange(h))[:, None, :, None]
        cols = (dx[:, None] + torch.arange(w))[:, None, None, :]
        x = padded[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None], rows, cols]
    if flip:
        mirrored = torch.rand(n, generator=generator) < 0.5
        x = torch.where(mirrored[:, None, None, None], x.flip(3), x)
    return x


# RandomErasing's defaults in torchvision, as data.Augmentation: the erased share of the image, the
# rectangle's height over width, and the rectangles drawn before an image is left as it is.
ERASE_SCALE, ERASE_RATIO, ERASE_ATTEMPTS = (0.02, 0.33), (0.3, 3.3), 10


def erase(x, p, generator):
    """torchvision's RandomErasing(p, value='random') with its default scale and ratio, image by image."""
    n, c, h, w = x.shape
    x = x.clone()
    log_ratio = (math.log(ERASE_RATIO[0]), math.log(ERASE_RATIO[1]))
    for i in range(n):
        if torch.rand(1, generator=generator).item() >= p:
            continue
        for _ in range(ERASE_ATTEMPTS):
            share = ERASE_SCALE[0] + (ERASE_SCALE[1] - ERASE_SCALE[0]) * torch.rand(1, generator=generator).item()
            area = h * w * share
            aspect = math.exp(log_ratio[0] + (log_ratio[1] - log_ratio[0]) * torch.rand(1, generator=generator).item())
            height, width = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
            if height < h and width < w:
                top = torch.randint(0, h - height + 1, (1,), generator=generator).item()
                left = torch.randint(0, w - width + 1, (1,), generator=generator).item()
                x[i, :, top:top + height, left:left + width] = torch.randn(c, height, width, generator=generator)
                break
    return x


def schedule(recipe, optimizer, steps_per_epoch, total_steps):
    """The recipe's learning rate per step, as train.LearningRateSchedule: step, cosine or onecycle."""
    kind, base = recipe["schedule"].lower(), float(recipe["lr"])
    if kind == "onecycle":
        # PyTorch's defaults are train.LearningRateSchedule.oneCycle's; the recipe's momentum stays fixed.
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=base, total_steps=total_steps,
                                                   cycle_momentum=False)
    if kind == "cosine":
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(1.0, step / max(1, total_steps)))))
    if kind == "step":
        milestones = []
        for part in filter(None, (p.strip().lower() for p in recipe["milestones"].split(","))):
            milestones.append(int(part[:-1]) * steps_per_epoch if part.endswith("e") else int(part))
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=sorted(milestones), gamma=0.1)
    raise InteropError(f"unknown schedule {recipe['schedule']!r}: use step, cosine or onecycle")


def train(args):
    recipe = read_recipe(args.task)
    for key, value in (("epochs", args.epochs), ("limit_train", args.limit_train), ("limit_test", args.limit_test)):
        if value is not None:
            recipe[key] = str(value)
    torch.set_num_threads(args.threads)
    seed, epochs, batch = int(recipe["seed"]), int(recipe["epochs"]), int(recipe["batch"])
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    x_train, y_train, x_test, y_test = fashion_mnist(args.data or recipe.get("data") or FASHION_MNIST,
                                                     int(recipe["limit_train"]), int(recipe["limit_test"]))
    steps_per_epoch = x_train.shape[0] // batch
    if steps_per_epoch == 0:
        raise InteropError(f"{x_train.shape[0]} training images make no batch of {batch}")
    if recipe["normalization"] == "channel":
        mean, std = x_train.mean(dim=(0, 2, 3), keepdim=True), x_train.std(dim=(0, 2, 3), keepdim=True)
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    spec = Spec(recipe["model"], "x".join(map(str, x_train.shape[1:])), "10",
                None if recipe["model"].startswith("plain") else recipe["shortcut"])
    model = ResNet(spec)
    optimizer = torch.optim.SGD(model.parameters(), lr=float(recipe["lr"]), momentum=float(recipe["momentum"]),
                                weight_decay=float(recipe["weight_decay"]),
                                nesterov=recipe["nesterov"].lower() == "true")
    rates = schedule(recipe, optimizer, steps_per_epoch, epochs * steps_per_epoch)
    pad, flip = int(recipe["augment_pad"]), recipe["augment_flip"].lower() == "true"
    reflect, eval_batch = recipe["augment_padding"] == "reflect", int(recipe["eval_batch"])
    erasing = float(recipe["augment_erase"])
    history, trained_seconds = [], 0.0
    for epoch in range(epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(x_train.shape[0], generator=generator)
        loss_sum, correct = 0.0, 0
        for step in range(steps_per_epoch):
            idx = order[step * batch:(step + 1) * batch]
            x = augment(x_train[idx], pad, reflect, flip, generator)
            if erasing > 0:
                x = erase(x, erasing, generator)
            logits = model(x)
            loss = F.cross_entropy(logits, y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            rates.step()
            loss_sum += loss.item()
            correct += (logits.argmax(1) == y_train[idx]).sum().item()
        seconds = time.perf_counter() - start
        trained_seconds += seconds
        model.eval()
        test_correct = 0
        with torch.no_grad():
            for i in range(0, x_test.shape[0], eval_batch):
                test_correct += (model(x_test[i:i + eval_batch]).argmax(1) == y_test[i:i + eval_batch]).sum().item()
        record = {"epoch": epoch + 1, "train_loss": round(loss_sum / steps_per_epoch, 5),
                  "train_accuracy": round(correct / (steps_per_epoch * batch), 5),
                  "test_accuracy": round(test_correct / x_test.shape[0], 5), "seconds": round(seconds, 2),
                  "train_seconds": round(trained_seconds, 2)}
        history.append(record)
        print(f"epoch {epoch + 1}/{epochs}: loss {record['train_loss']:.4f}, test accuracy "
              f"{100 * record['test_accuracy']:.2f}%, {seconds:.1f} s ({batch * steps_per_epoch / seconds:.1f} images/s)",
              file=sys.stderr, flush=True)
    return {"system": "pytorch-" + torch.__version__, "task": args.task, "model": spec.model, "threads": args.threads,
            "epochs": history, "test_accuracy": history[-1]["test_accuracy"], "train_seconds": round(trained_seconds, 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def model_args(p):
        p.add_argument("--model", required=True)
        p.add_argument("--input", required=True, help="CxHxW, e.g. 3x32x32")
        p.add_argument("--classes", required=True)
        p.add_argument("--shortcut", choices=["A", "B"])

    p = sub.add_parser("export", help="random model -> checkpoint + probe")
    model_args(p)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--probe", required=True)
    p.add_argument("--batch", type=int, default=4)
    p.set_defaults(run=export)
    p = sub.add_parser("check", help="checkpoint + probe -> max |logits difference|")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--probe", required=True)
    p.add_argument("--tolerance", type=float, default=1e-4)
    p.set_defaults(run=check)
    p = sub.add_parser("params", help="parameter count of a model")
    model_args(p)
    p.set_defaults(run=params)
    p = sub.add_parser("bench", help="images/s of the model in PyTorch on synthetic data")
    model_args(p)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--mode", choices=["train", "infer"], default="train")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--profile", action="store_true",
                   help="then profile --iters more steps and print the time per op (torch.autograd.profiler) to stderr")
    p.set_defaults(run=bench)
    p = sub.add_parser("eval", help="test accuracy and loss of a Fashion-MNIST checkpoint, as `resnet eval`")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data", help=f"the IDX files' folder (default: {FASHION_MNIST})")
    p.add_argument("--crops", choices=["1", "flip"], default="1", help="flip: with mirror images")
    p.add_argument("--limit-test", type=int, help="only the first N test images")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--threads", type=int, default=2)
    p.set_defaults(run=evaluate)
    p = sub.add_parser("train", help="train by a Fashion-MNIST recipe of tasks/ in PyTorch, test accuracy per epoch")
    p.add_argument("--task", required=True, help="a tasks/*.properties file")
    p.add_argument("--data", help=f"the IDX files' folder (default: the recipe's, else {FASHION_MNIST})")
    p.add_argument("--epochs", type=int, help="instead of the recipe's")
    p.add_argument("--limit-train", type=int, help="only the first N training images")
    p.add_argument("--limit-test", type=int, help="only the first N test images")
    p.add_argument("--threads", type=int, default=2)
    p.set_defaults(run=train)
    args = parser.parse_args(argv)

    if sys.byteorder != "little":
        raise SystemExit("safetensors data is little-endian; this script runs on little-endian machines only")
    try:
        result = args.run(args)
    except (InteropError, OSError) as e:
        print(json.dumps({"error": str(e)}))
        return 2
    print(json.dumps(result))
    return 0 if result.get("ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())

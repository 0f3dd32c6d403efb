"""Reads `java --show-module-resolution` output on stdin and prints the jar files of the modules that
the roots named on the command line need: their `requires`, followed through named modules only. An
automatic module reads every other module, so the resolver lists every automatic module as its
dependency; those edges are not followed. Jars whose file name contains "-jni-" (the drivers' native
parts) are always kept."""
import re
import sys

roots = set(sys.argv[1:])
edges = {}
jars = {}
automatic = set()
for line in sys.stdin:
    m = re.match(r"(?:root (\S+)|(\S+) (?:requires|binds) (\S+)) (file://\S+)( automatic)?", line.strip())
    if not m:
        continue
    root, source, target, url, auto = m.groups()
    module = root or target
    jars[module] = url[len("file://"):]
    if auto:
        automatic.add(module)
    if source and " requires " in line:
        edges.setdefault(source, set()).add(target)
needed = set()
stack = [r for r in roots if r in jars or r in edges]
while stack:
    module = stack.pop()
    if module in needed:
        continue
    needed.add(module)
    if module in automatic:
        continue
    stack.extend(edges.get(module, ()))
for module, jar in sorted(jars.items()):
    if module in needed or "-jni-" in jar:
        print(jar)

#!/usr/bin/env python
"""Benchmark: ``slicing.parse_gcode`` on the real fixtures and on a 100 MiB G-code (issue 7).

Run from the project root::

    .venv/bin/python bench/gcode_parse.py                  # fixtures + 100 MiB file + 3MF projects
    .venv/bin/python bench/gcode_parse.py --no-3mf --repeat 20
    .venv/bin/python bench/gcode_parse.py --json > out.json

No database and no Django: the parser is a plain library. Measured, p50 / p95 / min of
``parse_gcode(path)`` over ``--repeat`` calls after ``--warmup`` (``time.perf_counter``):

1. each G-code in ``tests/fixtures/gcode`` (PrusaSlicer 2.5.0, 0.5–1.5 MB: read whole);
2. a synthetic ``--size-mb`` (100) MiB G-code written into a temporary directory: the real
   header of ``01_box…`` up to its first layer, then layers of ``G1`` moves (``;LAYER_CHANGE``,
   ``;Z:``, ``;HEIGHT:`` and 4 labelled copies of ``box.stl`` per layer, 40–60 moves per copy),
   then the real summary and config of ``01_box…`` — PrusaSlicer's layout, summary at the end.
   Timed with a warm page cache, and once more with the file's pages dropped before each call
   (``posix_fadvise(DONTNEED)``: the two 1 MiB reads come from the disk). Target: p50 < 50 ms.
3. peak memory of one parse of that file: ``tracemalloc``'s peak (Python allocations during the
   call), and the peak resident set of one call in a fresh process above its resident set just
   before (``/proc/self/status`` ``VmHWM`` − ``VmRSS``, see ``rss_growth``);
4. unless ``--no-3mf``: the same G-code as plate 1 of a ``.gcode.3mf``, stored (read at head and
   tail) and deflated (``ZIP_INFLATE_LIMIT``: the tail is reached by inflating the whole plate;
   the plate is cut to 60 MiB so that it stays under the 64 MiB limit).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import slicing  # noqa: E402
from bench._common import loadavg, log, time_calls  # noqa: E402
from slicing.files import HEAD_BYTES, TAIL_BYTES  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "gcode"
TEMPLATE = FIXTURES / "01_box_40mm_pla_0.20mm.gcode"
TARGET_MS = 50.0
COPIES = 4


def synthetic_gcode(path: Path, size_mb: int) -> dict:
    """Write a PrusaSlicer-shaped G-code of at least ``size_mb`` MiB; return what it holds."""
    text = TEMPLATE.read_bytes()
    header = text[:text.index(b";LAYER_CHANGE")]
    footer = text[text.index(b"M73 P100 R0"):]                 # summary, then the full config
    target = size_mb * 2**20 - len(header) - len(footer)
    written, layer = 0, 0
    with open(path, "wb") as f:
        f.write(header)
        while written < target:
            layer += 1
            z = round(0.2 * layer, 2)
            parts = [f";LAYER_CHANGE\n;Z:{z:g}\n;HEIGHT:0.2\nG1 Z{z:g} F10800\n;AFTER_LAYER_CHANGE\nG92 E0\n"]
            for copy in range(COPIES):
                parts.append(f"; printing object box.stl id:0 copy {copy}\n")
                for i in range(40 + (layer * 7 + copy) % 21):
                    x = 100 + copy * 12 + (i * 37 % 400) / 40
                    y = 90 + (i * 53 % 400) / 40
                    parts.append(f"G1 X{x:.3f} Y{y:.3f} E.0{4000 + (i * 131 + layer) % 999}\n")
                parts.append(f"; stop printing object box.stl id:0 copy {copy}\n")
            chunk = "".join(parts).encode()
            f.write(chunk)
            written += len(chunk)
        f.write(footer)
    return {"bytes": path.stat().st_size, "layers": layer}


def project(path: Path, plate: Path, compression: int, limit: int | None = None) -> int:
    """A ``.gcode.3mf`` whose plate 1 is ``plate`` (its first ``limit`` bytes and the real footer)."""
    level = 6 if compression == zipfile.ZIP_DEFLATED else None
    with zipfile.ZipFile(path, "w", compression, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("3D/3dmodel.model", "<model/>")
        if limit is None:
            zf.write(plate, "Metadata/plate_1.gcode")
        else:
            data = plate.read_bytes()
            footer = data[data.rindex(b"M73 P100 R0"):]
            body = data[:limit - len(footer)]
            zf.writestr("Metadata/plate_1.gcode", body[:body.rindex(b"\n") + 1] + footer)
    return path.stat().st_size


def drop_page_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def rss_growth(path: Path) -> dict:
    """Peak resident memory of one parse, in a fresh interpreter (Linux ``/proc/self/status``, kB):
    ``VmHWM`` reset through ``/proc/self/clear_refs`` just before the call, so the peak is the
    call's own; ``VmRSS`` before it is the baseline. (``ru_maxrss`` is not used: Linux carries it
    over ``exec`` from the forking parent, so a child's value starts at the parent's peak.)"""
    code = """
import json, sys
sys.path.insert(0, sys.argv[2])
from slicing import parse_gcode

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":"))

try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    reset = True
except OSError:
    reset = False
before, hwm_before = status("VmRSS"), status("VmHWM")
parse_gcode(sys.argv[1])
print(json.dumps({"rss_before_kb": before, "hwm_before_kb": hwm_before, "hwm_after_kb": status("VmHWM"),
                  "peak_reset": reset}))
"""
    out = subprocess.run([sys.executable, "-c", code, str(path), str(ROOT)], check=True, capture_output=True,
                         text=True).stdout
    result = json.loads(out)
    result["growth_kb"] = result["hwm_after_kb"] - (result["rss_before_kb"] if result["peak_reset"]
                                                    else result["hwm_before_kb"])
    return result


def measure_file(path: Path, args, *, label: str, repeat: int | None = None) -> dict:
    estimate = slicing.parse_gcode(path)
    timing = time_calls(lambda: slicing.parse_gcode(path), repeat or args.repeat, args.warmup)
    return {"label": label, "bytes": path.stat().st_size, "gcode_bytes": estimate.gcode_size,
            "read_bytes": estimate.gcode_bytes_read, "ms": timing,
            "print_time_s": estimate.print_time_s, "grams": [f.grams for f in estimate.filaments],
            "objects": [(o.name, o.copies) for o in estimate.objects or ()], "layers": estimate.layer_count}


def run(args) -> dict:
    result: dict = {"config": {"python": sys.version.split()[0], "cpus": os.cpu_count(), "repeat": args.repeat,
                               "warmup": args.warmup, "head_bytes": HEAD_BYTES,
                               "tail_bytes": TAIL_BYTES, "loadavg_start": loadavg()}}
    result["fixtures"] = [measure_file(p, args, label=p.name) for p in sorted(FIXTURES.glob("*.gcode"))]
    with tempfile.TemporaryDirectory(prefix="bench-gcode-") as tmp:
        big = Path(tmp) / "synthetic.gcode"
        t0 = time.perf_counter()
        result["synthetic"] = synthetic_gcode(big, args.size_mb)
        result["synthetic"]["write_s"] = round(time.perf_counter() - t0, 2)
        log(args, f"wrote {result['synthetic']['bytes']:,} bytes ({result['synthetic']['layers']} layers) "
                  f"in {result['synthetic']['write_s']} s")
        result["big"] = measure_file(big, args, label=f"synthetic PrusaSlicer-style {args.size_mb} MiB")
        cold = None
        if hasattr(os, "posix_fadvise"):
            drop_page_cache(big)
            cold = time_calls(lambda: slicing.parse_gcode(big), max(5, args.repeat // 5), 0,
                              after=lambda _: drop_page_cache(big))
        result["big_cold_ms"] = cold
        tracemalloc.start()
        slicing.parse_gcode(big)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["memory"] = {"tracemalloc_peak_bytes": peak, "rss": rss_growth(big)}
        if not args.no_3mf:
            stored = Path(tmp) / "stored.gcode.3mf"
            project(stored, big, zipfile.ZIP_STORED)
            deflated = Path(tmp) / "deflated.gcode.3mf"
            plate_mib = min(args.size_mb, 60)
            project(deflated, big, zipfile.ZIP_DEFLATED, limit=plate_mib * 2**20)
            result["projects"] = [
                measure_file(stored, args, label=f"3MF, stored {args.size_mb} MiB plate"),
                measure_file(deflated, args, label=f"3MF, deflated {plate_mib} MiB plate (inflated to its tail)",
                             repeat=max(3, args.repeat // 10)),
            ]
    result["config"]["loadavg_end"] = loadavg()
    result["target_met"] = result["big"]["ms"]["p50"] < TARGET_MS
    return result


def print_row(row: dict) -> None:
    ms = row["ms"]
    print(f"{row['label']:52} {row['bytes']:>12,} {row['read_bytes']:>12,} {ms['p50']:8.2f} {ms['p95']:8.2f} "
          f"{ms['min']:8.2f}   (n={ms['n']})")


def print_table(result: dict) -> None:
    cfg = result["config"]
    print()
    print(f"Python {cfg['python']}, {cfg['cpus']} CPUs; head {cfg['head_bytes'] // 1024} KiB + tail "
          f"{cfg['tail_bytes'] // 1024} KiB; {cfg['repeat']} repetitions after {cfg['warmup']} warm-up")
    print(f"load average 1/5/15 min: start {cfg['loadavg_start']}, end {cfg['loadavg_end']}")
    print()
    print(f"{'parse_gcode(path)':52} {'bytes':>12} {'G-code read':>12} {'p50 ms':>8} {'p95 ms':>8} {'min ms':>8}")
    for row in result["fixtures"] + [result["big"]]:
        print_row(row)
    if result["big_cold_ms"]:
        ms = result["big_cold_ms"]
        print(f"{'  the same, page cache dropped before each call':52} {'':>12} {'':>12} {ms['p50']:8.2f} "
              f"{ms['p95']:8.2f} {ms['min']:8.2f}   (n={ms['n']})")
    for row in result.get("projects", []):
        print_row(row)
    big, mem = result["big"], result["memory"]
    print()
    print(f"synthetic file: {result['synthetic']['layers']} layers × {COPIES} copies; parsed: time "
          f"{big['print_time_s']} s, grams {big['grams']}, objects {big['objects']}, layers {big['layers']}")
    print(f"peak memory, one parse of the {big['bytes'] / 2**20:.0f} MiB file: tracemalloc peak "
          f"{mem['tracemalloc_peak_bytes'] / 2**20:.1f} MiB (Python allocations during the call); "
          f"peak RSS +{mem['rss']['growth_kb'] / 1024:.1f} MiB in a fresh process (VmRSS "
          f"{mem['rss']['rss_before_kb'] / 1024:.1f} MiB before the call, VmHWM {mem['rss']['hwm_after_kb'] / 1024:.1f}"
          f" MiB{'' if mem['rss']['peak_reset'] else ', not reset: includes start-up'})")
    print(f"target: {big['label']} p50 < {TARGET_MS:.0f} ms: {'met' if result['target_met'] else 'NOT MET'} "
          f"({big['ms']['p50']:.2f} ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=50, help="measured calls per file (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up calls per file (default 5)")
    parser.add_argument("--size-mb", type=int, default=100, help="size of the synthetic G-code in MiB (default 100)")
    parser.add_argument("--no-3mf", action="store_true", help="skip the 3MF projects")
    parser.add_argument("--json", action="store_true", help="print the results as JSON (progress to stderr)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or args.size_mb < 3:
        parser.error("--repeat must be >= 1, --warmup >= 0 and --size-mb >= 3")
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

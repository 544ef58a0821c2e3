"""What decoding one upload costs in memory, by size and kind of image: ``python -m bench.upload_memory``.

Each measurement runs in a fresh process: it reads the file, notes its resident memory, runs
the upload's check (``webapp.uploads.images.clean_image``: decode, turn upright, re-encode,
and the thumbnails local storage keeps, or none as with Cloudinary), and reports the peak
(``VmHWM``) above that. A worker's resident memory at rest (the app built, a few pages
served) is measured the same way. From these the script prints the largest pixel cap a
512 MB instance survives with its workers, threads and decode slots (docs/uploads.md has
the figures and the choice made from them).
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time

KINDS = ("png-rgba", "png-palette", "jpeg")
MEGAPIXELS = (4, 8, 12, 16, 24, 32, 40)
INSTANCE_MB = 512
# A production worker after real use (gunicorn, PostgreSQL, sign-in and uploads served: resident
# memory as the security review of issue 16 measured it; the in-process figure this script prints is
# lower: SQLite, a few pages). The master holds the preloaded app too, but shares most of it with
# the workers: its proportional share (PSS, /proc/<pid>/smaps_rollup) measured under gunicorn.
WORKER_MB = 115
MASTER_MB = 40
# Kept free for the kernel's page cache, Python's allocator slack and a request that is not an upload.
HEADROOM_MB = 64


def memory_kb(field):
    """A field of /proc/self/status (VmRSS: resident now; VmHWM: the peak so far), in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status (Linux only)")


def make_image(kind, megapixels, folder):
    """A square image of about ``megapixels`` written to ``folder``: small on disk, big when decoded (as an attacker would send)."""
    from PIL import Image, ImageDraw

    side = int((megapixels * 1_000_000) ** 0.5)
    if kind == "jpeg":
        image = Image.linear_gradient("L").resize((side, side)).convert("RGB")
        ImageDraw.Draw(image).ellipse((side // 4, side // 4, side * 3 // 4, side * 3 // 4), fill="orange")
        path, options = os.path.join(folder, f"{kind}-{megapixels}.jpg"), {"quality": 85}
    else:
        image = Image.new("RGBA", (side, side), (20, 120, 160, 200))
        ImageDraw.Draw(image).ellipse((side // 4, side // 4, side * 3 // 4, side * 3 // 4), fill="orange")
        if kind == "png-palette":
            image = image.convert("RGB").quantize(16)
        path, options = os.path.join(folder, f"{kind}-{megapixels}.png"), {"optimize": False}
    image.save(path, **options)
    return path


def child_decode(path, thumbnails):
    """In this process: read ``path``, then check it as an upload; print the memory figures as JSON."""
    from webapp.uploads.images import Limits, clean_image

    with open(path, "rb") as handle:
        data = handle.read()
    before = memory_kb("VmRSS")
    started = time.perf_counter()
    clean = clean_image(io.BytesIO(data), Limits(max_bytes=1 << 30, max_pixels=1 << 40), thumbnails=thumbnails)
    seconds = time.perf_counter() - started
    peak = memory_kb("VmHWM")
    print(
        json.dumps(
            {
                "file_kb": len(data) // 1024,
                "pixels": clean.width * clean.height,
                "before_kb": before,
                "peak_kb": peak,
                "seconds": round(seconds, 2),
            }
        )
    )


def child_worker():
    """In this process: build the app and serve a few pages, as a worker does before any upload; print its RSS."""
    os.environ.setdefault("APP_ENV", "testing")
    from webapp import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/memory.db",
                "SECRET_KEY": "m" * 40,
                "RATELIMIT_ENABLED": False,
                "UPLOAD_FOLDER": folder,
            }
        )
        client = app.test_client()
        for path in ("/health", "/auth/login", "/", "/api/v1/openapi.json"):
            client.get(path)
        print(json.dumps({"rss_kb": memory_kb("VmRSS")}))


def run_child(*arguments):
    output = subprocess.run(
        [sys.executable, "-m", "bench.upload_memory", *arguments], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def largest_cap(rows, budget_mb):
    """The largest measured megapixel count whose worst extra memory fits ``budget_mb``."""
    fitting = [mp for mp in sorted({row["megapixels"] for row in rows}) if worst(rows, mp) <= budget_mb]
    return fitting[-1] if fitting else 0


def worst(rows, megapixels):
    return max(row["extra_mb"] for row in rows if row["megapixels"] == megapixels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", default=",".join(map(str, MEGAPIXELS)))
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (render.yaml: WEB_CONCURRENCY)")
    parser.add_argument("--decodes", type=int, default=1, help="UPLOAD_DECODES: images decoded at once per worker")
    parser.add_argument(
        "--worker-mb",
        type=float,
        default=WORKER_MB,
        help="a production worker's resident memory at rest (default: as measured under gunicorn)",
    )
    parser.add_argument("--master-mb", type=float, default=MASTER_MB, help="the gunicorn master's share of memory")
    parser.add_argument("--child-decode", help=argparse.SUPPRESS)
    parser.add_argument("--child-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--thumbnails", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child_decode:
        return child_decode(options.child_decode, options.thumbnails)
    if options.child_worker:
        return child_worker()

    measured_mb = run_child("--child-worker")["rss_kb"] / 1024
    worker_mb = options.worker_mb
    print(
        f"The app at rest in one process (SQLite, a few pages served): {measured_mb:.0f} MB resident; "
        f"counting {worker_mb:.0f} MB per production worker (--worker-mb)\n"
    )
    print("| image | megapixels | file | thumbnails | extra memory (peak − before) | time |")
    print("| --- | --- | --- | --- | --- | --- |")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in options.kinds.split(","):
            for megapixels in map(int, options.megapixels.split(",")):
                path = make_image(kind, megapixels, folder)
                for thumbnails in (True, False):
                    flags = ["--thumbnails"] if thumbnails else []
                    figures = run_child("--child-decode", path, *flags)
                    extra_mb = (figures["peak_kb"] - figures["before_kb"]) / 1024
                    rows.append({"megapixels": megapixels, "extra_mb": extra_mb})
                    print(
                        f"| {kind} | {megapixels} | {figures['file_kb']} KB | {'local' if thumbnails else 'none'} "
                        f"| {extra_mb:.0f} MB | {figures['seconds']} s |",
                        flush=True,
                    )
                os.unlink(path)
    # Every worker may decode ``decodes`` images at once.
    at_rest = options.master_mb + options.workers * worker_mb
    budget = (INSTANCE_MB - HEADROOM_MB - at_rest) / (options.workers * options.decodes)
    print(
        f"\n{INSTANCE_MB} MB instance, master + {options.workers} workers at rest: {at_rest:.0f} MB; "
        f"headroom {HEADROOM_MB} MB; {options.workers * options.decodes} decodes at once "
        f"→ {budget:.0f} MB each → largest measured cap that fits: {largest_cap(rows, budget)} MP"
    )


if __name__ == "__main__":
    main()

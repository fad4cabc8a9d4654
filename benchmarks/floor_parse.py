#!/usr/bin/env python3
"""Parse-only floor: read every note, split front matter, parse the body.

    python floor_parse.py DIR [--fm frontmatter|regex|regex-pyyaml|none]
                              [--body parse|render|none] [--jobs N] [--repeat R]

--fm frontmatter   python-frontmatter's frontmatter.loads (uses libyaml's CSafeLoader if present)
--fm regex         a regex split + yaml.load(..., Loader=yaml.CSafeLoader)
--fm regex-pyyaml  the same with the pure-Python yaml.SafeLoader (what you get without libyaml)
--fm none          no front matter split (the whole text goes to the body step)
--body parse       MarkdownIt("commonmark", {"html": False}).parse(body) to tokens (default)
--body render      MarkdownIt(...).render(body) to an HTML string
--body none        no Markdown step (front matter only; with --fm none: read only)
--jobs N           spread files over N worker processes (multiprocessing.Pool)

Prints in-process time of the loop (imports and interpreter start-up excluded):
the median of --repeat runs, per-note microseconds and notes/second.

soapbuild's copy of the reference floor (shared/bench/floor_parse.py), changed only so that
it runs without python-frontmatter (the `bench` extra installs it): --fm regex then needs
only PyYAML. benchmarks/run.py times it as a whole process.
"""
import argparse
import os
import re
import statistics
import time

import yaml
from markdown_it import MarkdownIt

try:
    import frontmatter
except ImportError:  # pip install -e '.[bench]'
    frontmatter = None

FM_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n", re.S | re.M)
MD = MarkdownIt("commonmark", {"html": False})
MODE = {"fm": "frontmatter", "body": "parse"}


def split_regex(text, loader):
    m = FM_RE.match(text)
    if not m:
        return {}, text
    return yaml.load(m.group(1), Loader=loader) or {}, text[m.end():]


def handle(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    fm = MODE["fm"]
    if fm == "none":
        meta, body = {}, text
    elif fm == "frontmatter":
        post = frontmatter.loads(text)
        meta, body = post.metadata, post.content
    elif fm == "regex":
        meta, body = split_regex(text, yaml.CSafeLoader)
    else:
        meta, body = split_regex(text, yaml.SafeLoader)
    if MODE["body"] == "none":
        return len(meta) + len(body)
    out = MD.render(body) if MODE["body"] == "render" else MD.parse(body)
    return len(meta) + len(out)


def init(fm, body):
    MODE["fm"], MODE["body"] = fm, body


def run_once(paths, jobs):
    t0 = time.perf_counter()
    if jobs <= 1:
        for p in paths:
            handle(p)
    else:
        import multiprocessing as mp
        with mp.Pool(jobs, initializer=init, initargs=(MODE["fm"], MODE["body"])) as pool:
            for _ in pool.imap_unordered(handle, paths, chunksize=32):
                pass
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--fm", default="frontmatter",
                    choices=["frontmatter", "regex", "regex-pyyaml", "none"])
    ap.add_argument("--body", default="parse", choices=["parse", "render", "none"])
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    if args.fm == "frontmatter" and frontmatter is None:
        ap.error("--fm frontmatter needs python-frontmatter (pip install -e '.[bench]'); "
                 "--fm regex splits with the same libyaml loader")
    init(args.fm, args.body)
    paths = sorted(os.path.join(args.dir, f) for f in os.listdir(args.dir) if f.endswith(".md"))
    times = [run_once(paths, args.jobs) for _ in range(args.repeat)]
    med = statistics.median(times)
    print(f"fm={args.fm} body={args.body} jobs={args.jobs} notes={len(paths)} "
          f"runs={len(times)} median={med:.3f}s min={min(times):.3f}s max={max(times):.3f}s "
          f"per_note={med / len(paths) * 1e6:.0f}us notes_per_s={len(paths) / med:.0f}")


if __name__ == "__main__":
    main()

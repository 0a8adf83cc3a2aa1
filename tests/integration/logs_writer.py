#!/usr/bin/env python3
"""logs_writer.py - writes numbered lines to a log file the way real programs and logrotate
do, for the log collector's tests: `seq=N file=NAME pad` lines, rotating by rename or by
copytruncate every `--rotate-every` lines, as fast as it can or at a given rate.

usage: logs_writer.py PATH COUNT [--start N] [--rotate rename|copytruncate] [--rotate-every K]
                      [--rate LINES_PER_S] [--pad BYTES]
"""
import argparse
import os
import shutil
import time

ap = argparse.ArgumentParser()
ap.add_argument("path")
ap.add_argument("count", type=int)
ap.add_argument("--start", type=int, default=1)
ap.add_argument("--rotate", choices=["rename", "copytruncate"])
ap.add_argument("--rotate-every", type=int, default=0)
ap.add_argument("--rate", type=float, default=0)
ap.add_argument("--pad", type=int, default=40)
a = ap.parse_args()

name = os.path.basename(a.path)
pad = "p" * a.pad
generation = 0
f = open(a.path, "a", buffering=1 << 16)
t0 = time.monotonic()
for i in range(a.start, a.start + a.count):
    f.write(f"seq={i} file={name} {pad}\n")
    if a.rate:
        f.flush()
        due = t0 + (i - a.start + 1) / a.rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
    if a.rotate and a.rotate_every and (i - a.start + 1) % a.rotate_every == 0:
        f.flush()
        generation += 1
        # like logrotate's "rotate 2": .2 <- .1 <- the live file
        if os.path.exists(a.path + ".1"):
            os.replace(a.path + ".1", a.path + ".2")
        if a.rotate == "rename":
            os.rename(a.path, a.path + ".1")
            f.close()
            f = open(a.path, "a", buffering=1 << 16)
        else:
            shutil.copyfile(a.path, a.path + ".1")
            f.truncate(0)
            f.seek(0)
f.close()

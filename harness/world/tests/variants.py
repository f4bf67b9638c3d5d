"""What the world's test scripts ask the build: the variants (`make list-variants`), the table
versions a gntworld's library supports (`gntworld about`), and the version a scenario asks for.
Standard library only; shared by test_replay, test_world_asan and the oracle's test_twins."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def variants():
    """[(library, mutant)] from `make list-variants` (TARGET= passes through make's flags)."""
    p = subprocess.run(["make", "--no-print-directory", "-s", "list-variants"], cwd=ROOT,
                       capture_output=True, text=True)
    out = [tuple(l.split()) for l in p.stdout.splitlines() if len(l.split()) == 2]
    if p.returncode or not out:
        print("not ok - `make list-variants` failed: %s" % p.stderr.strip())
        sys.exit(1)
    return out


def versions(binary):
    """The grant-table versions the binary's library supports, from `gntworld about`."""
    p = subprocess.run([binary, "about"], capture_output=True, text=True, timeout=60, errors="replace")
    m = re.search(r"^versions((?: \d)*)\s*$", p.stdout, re.M)
    return {int(x) for x in m.group(1).split()} if m else set()


def scn_version(path):
    """The grant-table version a scenario file configures (1 unless its config line says 2)."""
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split("#")[0].split()
            if w and w[0] == "config":
                for k, v in zip(w[1::2], w[2::2]):
                    if k == "version" and v.isdigit():
                        return int(v)
    return 1

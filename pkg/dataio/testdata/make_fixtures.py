#!/usr/bin/python3
"""Writes the numpy fixtures of pkg/dataio's tests into the directory given as the first argument.

The committed files in pkg/dataio/testdata were made with `python3 make_fixtures.py .` (numpy 1.24,
Debian's python3-numpy); TestNumpyFixtures reruns this script into a temporary directory when numpy is
installed. Values are value(i) = (i+1)/7 - 3*i (the Go tests compute the same), in C order.
"""
import os
import sys
import zipfile

import numpy as np

out = sys.argv[1]


def value(shape, dtype="<f8"):
    n = int(np.prod(shape)) if len(shape) else 1
    v = np.array([(i + 1) / 7.0 - 3.0 * i for i in range(n)], dtype="<f8")
    return v.astype(dtype).reshape(shape)


def path(name):
    return os.path.join(out, name)


# Plain arrays: dtypes, orders, ranks.
np.save(path("f8_c_2x3.npy"), value((2, 3)))
np.save(path("f4_c_3x2.npy"), value((3, 2), "<f4"))
np.save(path("f8_f_3x4.npy"), np.asfortranarray(value((3, 4))))
np.save(path("f4_f_2x3x4.npy"), np.asfortranarray(value((2, 3, 4), "<f4")))
np.save(path("f8_rank0.npy"), value(()))
np.save(path("f8_rank1.npy"), value((5,)))
np.save(path("f8_empty_0x3.npy"), value((0, 3)))
np.save(path("f8_specials.npy"), np.array(
    [0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, np.inf, -np.inf, np.nan, np.pi]))

# Format version 3.0, and version 2.0 with a header longer than 65535 bytes (padded with spaces, which
# numpy reads back with max_header_size raised).
with open(path("f8_v3.npy"), "wb") as f:
    np.lib.format.write_array(f, value((2, 2)), version=(3, 0))
header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
header = header + " " * (70000 - len(header)) + "\n"
with open(path("f8_v2_huge_header.npy"), "wb") as f:
    f.write(b"\x93NUMPY\x02\x00" + len(header).to_bytes(4, "little") + header.encode("latin1"))
    f.write(value((2, 3)).tobytes())

# Archives: a two-trajectory data set, stored and compressed.
t = np.arange(4) * 0.25
data = dict(x0=value((4, 3)), x1=value((4, 3)) * 2, t0=t, t1=t + 0.125,
            xdot0=value((4, 3)) * -1, xdot1=value((4, 3)) * 3, u0=value((4,)), u1=value((4,)) / 3)
np.savez(path("savez.npz"), **data)
np.savez_compressed(path("savez_compressed.npz"), **data)

# A CSV as np.savetxt writes it ("# " before the header), two trajectories in a traj column.
table = np.column_stack([np.repeat([0.0, 1.0], 3), np.tile(t[:3], 2), value((6, 2)), value((6,)) / 2])
np.savetxt(path("savetxt.csv"), table, delimiter=",", header="traj,t,a,b,u_f", fmt="%.17g")

# Files this package must refuse.
np.save(path("bad_big_endian.npy"), value((2, 2), ">f8"))
np.save(path("bad_int64.npy"), np.arange(4, dtype="<i8"))
np.save(path("bad_object.npy"), np.array([1, "a"], dtype=object), allow_pickle=True)
np.save(path("bad_structured.npy"), np.zeros(2, dtype=[("a", "<f8"), ("b", "<f4")]))
with open(path("f8_c_2x3.npy"), "rb") as f:
    whole = f.read()
with open(path("bad_truncated.npy"), "wb") as f:
    f.write(whole[:-5])

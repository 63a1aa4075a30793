#!/usr/bin/env python3
"""Compares a ported program's output under libtorch and under ember, token by token.

Words, punctuation and integers must be equal; other numbers may differ by the rounding of their last printed
digit or by float32 noise: |ember - torch| <= 1e-5 + 1e-3 |torch|. The programs print 4
significant digits (one unit of the 4th digit is at most 1e-3 of the value), and a value formed
by cancellation, such as a log-probability near 0 computed as x - logsumexp(x) from inputs near
10, carries an absolute error of a few float32 ulps of those inputs (about 1e-6): kernels that add
in another order (AVX2 or AVX-512, another thread count) change it in the last printed digit.
Exit status 0 when the outputs agree; otherwise the first difference is printed.

    compare_outputs.py TORCH_OUTPUT_FILE EMBER_OUTPUT_FILE
"""
import re
import sys

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|-inf")
TOKEN = re.compile(NUMBER.pattern + r"|\w+|\S")


def tokens(text):
    for line_no, line in enumerate(text.splitlines(), 1):
        for m in TOKEN.finditer(line):
            yield line_no, m.group(0)


def same(a, b):
    if a == b:
        return True
    if not (NUMBER.fullmatch(a) and NUMBER.fullmatch(b)):
        return False
    if a.lstrip("+-").isdigit() and b.lstrip("+-").isdigit():
        return False  # integers (counts, sizes, indices) are exact
    x, y = float(a), float(b)
    return abs(x - y) <= 1e-5 + 1e-3 * abs(y)


def main():
    torch_text = open(sys.argv[1]).read()
    ember_text = open(sys.argv[2]).read()
    t, e = list(tokens(torch_text)), list(tokens(ember_text))
    for (tl, tt), (el, et) in zip(t, e):
        if not same(et, tt):
            print(f"first difference: libtorch line {tl} has '{tt}', ember line {el} has '{et}'")
            return 1
    if len(t) != len(e):
        print(f"libtorch printed {len(t)} tokens, ember {len(e)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

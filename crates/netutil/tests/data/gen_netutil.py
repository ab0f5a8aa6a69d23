"""Regenerates netutil.json: inputs and what the real Tornado answers, in the
schema of the shared conformance corpus (`/work/shared/conformance/README.md`).

Run with the Tornado 6.6.1 this project ports:  python3 gen_is_valid_ip.py
The inputs avoid interface names other than `lo` in IPv6 scope ids, since
those depend on the machine.
"""
import json
import random

import tornado
from tornado.netutil import is_valid_ip

HAND = [
    "127.0.0.1", "4.4.4.4", "::1", "2620:0:1cfe:face:b00c::3", "www.google.com",
    "localhost", "4.4.4.4<", " 127.0.0.1", "", " ", "\n", "a" * 100,
    "127.1", "1", "0x7f.0.0.1", "0X7f.1", "0177.0.0.1", "1.2.3.4 junk", "1.2.3.4\t",
    "1.2.3.4\n", "256.1.1.1", "1.2.3.256", "1.2.65535", "1.2.65536", "1.16777215",
    "1.16777216", "4294967295", "4294967296", "0x", "0x1g", "08.1.1.1", "1..2",
    "1.2.3.4.5", ".1.2.3", "1.2.3.", "1.2.3.4.", "::ffff:1.2.3.4", "::FFFF:1.2.3.4",
    "fe80::1%lo", "fe80::1%nonexistent", "fe80::1%1", "fe80::1%", "::1%lo", "::1%1",
    "::1%01", "::1%4294967295", "::1%4294967296", "::1%-1", "::1%+1", "::1% 1",
    "::1%0x1", "ff02::1%lo", "ff01::1%lo", "ff05::1%lo", "fe80::1%lo%lo", "1.2.3.4%1",
    "[::1]", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2::3", "::", "0::0",
    "::1.2.3.4", "::1.2.3", "12345::", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
    "::g", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "1:2:3:4::5:6:7:8",
    "::ffff:1.2.3.04", "::01234", "::0x1", "1::1.2.3.4.5", ":1::", "1:::2", ":::",
    "1:", ":1", "1:2:3:4:5:6:7:", "0.0.0.0", "00", "0", "1.2.3.04", "1.2.3.09",
    "1.2.3.0x", "1.2.3.0xff", "1.2.0x10000", "a.b.c.d", "1." + "1" * 70,
    "1." + "0" * 62 + "1", "1." + "0" * 63 + "1", "0" * 63, "0" * 64, "1.2.3.4..", ".",
    "::1%" + "0" * 58 + "1", "::1%" + "0" * 59 + "1", "99999999999999999999999",
    "0x" + "f" * 17, "0x00000000000001.1.1.1", "00000000000000001.2.3.4",
    "1.2.3.4\x00", "\x00", "::ffff:0x1.2.3.4", "::1.2.3.4:1", "1.2.3.4::",
    "fe80::", "FE80::A", "fEbF::1%lo", "fec0::1%lo", "::ffff:255.255.255.255",
    "::ffff:256.1.1.1", "1:2:3:4:5:6:255.255.255.255", "::1.2.3.4.",
]

ALPHABETS = ["0123456789.", "0123456789abcdefABCDEFxX.:", "0123456789abcdef:%.", "0123456789:.lo% "]


def generated(rng):
    out = []
    for _ in range(3000):
        alphabet = rng.choice(ALPHABETS)
        out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 18))))
    for _ in range(500):
        parts = [rng.choice(["0", "00", "1", "255", "256", "0x10", "0xff", "010", "08", "65535", "16777215", "4294967295"]) for _ in range(rng.randint(1, 5))]
        out.append(".".join(parts))
    for _ in range(500):
        groups = [rng.choice(["0", "1", "ffff", "FFFF", "12345", "abcd", "", "g"]) for _ in range(rng.randint(1, 10))]
        s = ":".join(groups)
        if rng.random() < 0.3:
            s += ":" + ".".join(str(rng.randint(0, 300)) for _ in range(4))
        if rng.random() < 0.2:
            s += "%" + rng.choice(["1", "lo", "", "0", "x"])
        out.append(s)
    return out


def main():
    rng = random.Random(1234)
    inputs = []
    seen = set()
    for s in HAND + generated(rng):
        if s not in seen:
            seen.add(s)
            inputs.append(s)
    cases = [
        {"name": "is_valid_ip/%04d" % i, "fn": "is_valid_ip", "input": {"ip": s}, "expected": is_valid_ip(s)}
        for i, s in enumerate(inputs)
    ]
    with open("netutil.json", "w") as f:
        json.dump({"category": "netutil", "generated_by": "tornado " + tornado.version, "cases": cases}, f, indent=0)
        f.write("\n")


main()

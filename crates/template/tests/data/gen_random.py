"""Generates tornado_random.json: random Python-subset expressions rendered by
real Tornado 6.6.1 (a differential regression corpus).

Run: python3 gen_random.py 1 tornado_random.json
"""
import json, random, sys
from tornado.template import DictLoader
import sys; random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
atoms = ["0", "1", "-3", "7", "2.5", "-0.5", "1e3", "0.1", "'ab'", "'x'", "''", "[1, 2]", "[]", "(1, 'a')", "True", "False", "None", "{'k': 1}", "x", "y", "s", "xs",
         "1e22", "-0.0", "1.5e-7", "'Ünï'", "'a b\\tc'", "[[1], ('z',)]", "{'b': [None], 'a': 2.0}", "d", "3.0", "123456789.125", "float('inf')", "'%'", "'{'", "'}'" ]
ops = ["+", "-", "*", "/", "//", "%", "**", "<", "<=", "==", "!=", ">", "and", "or", "in", "not in", "is", "is not"]
def expr(d=0):
    r = random.random()
    if d > 2 or r < 0.35:
        return random.choice(atoms)
    if r < 0.75:
        return "(%s %s %s)" % (expr(d+1), random.choice(ops), expr(d+1))
    if r < 0.82:
        return "(not %s)" % expr(d+1)
    if r < 0.88:
        return "(-%s)" % expr(d+1)
    if r < 0.94:
        return "(%s if %s else %s)" % (expr(d+1), expr(d+1), expr(d+1))
    k = random.random()
    if k < 0.3:
        f = random.choice(["len", "str", "bool", "abs", "int", "float", "sorted", "list", "repr", "max", "min", "sum", "reversed", "enumerate", "range", "tuple"])
        if f in ("reversed", "enumerate"):
            return "list(%s(%s))" % (f, expr(d+1))
        return "%s(%s)" % (f, expr(d+1))
    if k < 0.5:
        return "%s[%s]" % (expr(d+1), expr(d+1))
    if k < 0.65:
        return "%s[%s:%s:%s]" % (expr(d+1), random.choice(["", "1", "-1", "x", "None"]), random.choice(["", "2", "-2", "10"]), random.choice(["", "1", "-1", "2", "0"]))
    if k < 0.8:
        m = random.choice(["upper()", "lower()", "strip()", "title()", "split()", "find('l')", "count('l')", "replace('l', 'L')", "startswith('h')", "join(['a', 'b'])", "capitalize()", "get('k')", "items()", "keys()", "index(1)", "format(1, 2)",
                           "values()", "get('a', 0)", "split('l', 1)", "rsplit(None, 1)", "zfill(6)", "center(7, '*')", "ljust(4)", "rjust(4, '.')", "lstrip('h')", "endswith(('o', 'x'))", "rfind('l')", "partition('l')", "isdigit()", "isalpha()", "swapcase()"])
        return "%s.%s" % (expr(d+1), m)
    fm = random.choice(["'%s'", "'%d'", "'%r'", "'%.2f'", "'%5s|'", "'%x'", "'{}'", "'{!r}'", "'{:>4}'", "'{:.1f}'",
                        "'%+.3e'", "'%g'", "'%-6.2s|'", "'%05d'", "'%#x'", "'%o'", "'%c'", "'%%%s'", "'{:^9.3g}'", "'{:+,}'", "'{:08.3f}'", "'{:e}'", "'{:x}'", "'{:b}'", "'{:%}'", "'{:_}'", "'{:=+8}'", "'{:*<6}'", "'{0}{0}'", "'{:n}'", "'{:.0e}'", "'{:g}'", "'{:G}'", "'{:.3}'", "'{:10.4}'"])
    if fm.startswith("'%"):
        return "(%s %% %s)" % (fm, expr(d+1))
    return "%s.format(%s)" % (fm, expr(d+1))
ctx = {"x": 3, "y": -2.5, "s": "héllo", "xs": [3, 1, 2], "d": {"a": 1, "b": "two"}}
cases = []
N = 1000
for i in range(N):
    e = expr()
    src = "{{ %s }}" % e
    if "}}" in e: continue
    # Deliberate deviations: object identity of floats/strings, complex powers.
    if " is " in e or "**" in e: continue
    t = {"index.txt": src}
    case = {"name": "r/%04d" % i, "fn": "render", "group": "rand", "tier": 1,
            "input": {"templates": t, "render": "index.txt", "context": ctx, "autoescape": None, "whitespace": None}}
    try:
        tm = DictLoader(t, autoescape=None).load("index.txt")
    except Exception as ex:
        continue
    try:
        case["expected"] = tm.generate(**ctx).decode()
    except Exception as ex:
        case["error"] = type(ex).__name__; case["message"] = str(ex); case["message_check"] = "class_only"; case["error_phase"] = "generate"
    cases.append(case)
out = sys.argv[2] if len(sys.argv) > 2 else "tornado_random.json"
json.dump({"category": "template", "generated_by": "tornado 6.6.1 (tests/data/gen_random.py)", "cases": cases}, open(out, "w"), indent=0)
print(len(cases))

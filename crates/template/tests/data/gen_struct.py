"""Generates tornado_struct.json: random template structures (tags, braces,
whitespace, comments) rendered by real Tornado 6.6.1, with exact ParseError
messages.

Run: python3 gen_struct.py 1 600 tornado_struct.json
"""
import json, random, sys
from tornado.template import DictLoader, ParseError
random.seed(int(sys.argv[1]))
frags = ["{{", "}}", "{%", "%}", "{#", "#}", "{{!", "{%!", "{#!", "{", "}", "%", "#", "!",
         " x ", " if x ", " for i in range(2) ", " while 0 ", " end ", " else ", " elif 0 ", " try ", " except ", " finally ",
         " set y = 1 ", " apply escape ", " block b ", " break ", " continue ", " raw x ", " autoescape None ",
         " whitespace oneline ", " comment c ", " include 'i.html' ", " extends 'b.html' ", " module m ", " import ",
         "\n", "  ", "\t", "a", "<pre>", " x }}", "{{ x }}", "{% end %}", "{% if 1 %}", "{% for j in [1] %}", "{# c #}", "{%  %}", "{{ }}"]
cases = []
seen = set()
for i in range(int(sys.argv[2])):
    src = "".join(random.choice(frags) for _ in range(random.randint(1, 14)))
    name = random.choice(["t.html", "t.txt"])
    if (src, name) in seen: continue
    seen.add((src, name))
    tpls = {name: src, "i.html": "[inc {{ x }}]", "b.html": "<{% block b %}B{% end %}>"}
    ctx = {"x": "<v>", "m": 1}
    case = {"name": "s/%05d" % i, "fn": "render", "group": "struct", "tier": 1,
            "input": {"templates": tpls, "render": name, "context": ctx, "autoescape": "xhtml_escape", "whitespace": None}}
    loader = DictLoader(tpls)
    phase = "load"
    try:
        t = loader.load(name)
        phase = "generate"
        case["expected"] = t.generate(**ctx).decode()
    except Exception as e:
        case["error"] = type(e).__name__
        case["message"] = str(e)
        case["message_check"] = "exact" if isinstance(e, ParseError) else "class_only"
        if isinstance(e, ParseError) and ("outside {" in str(e)):
            case["message_check"] = "ignore_set_order"
        case["error_phase"] = phase
    cases.append(case)
json.dump({"category": "template", "generated_by": "tornado 6.6.1 (tests/data/gen_struct.py)", "cases": cases}, open(sys.argv[3] if len(sys.argv) > 3 else "tornado_struct.json", "w"), indent=0)
print(len(cases))

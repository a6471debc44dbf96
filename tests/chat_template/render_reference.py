"""Renders the chat-template fixtures with Python jinja2 configured as transformers
configures it for apply_chat_template (ImmutableSandboxedEnvironment, trim_blocks,
lstrip_blocks, loop controls, a json.dumps tojson, raise_exception), for the differential
test (reference_test.cpp). Same input and output as render_reference.js:
    usage: /usr/bin/python3 render_reference.py FIXTURE_DIR OUTPUT_JSON
or, for the engine's semantics test, renders snippets ([[template, variables], ...]):
    usage: /usr/bin/python3 render_reference.py --snippets SNIPPETS_JSON OUTPUT_JSON
    output: [[template, variables, text], ...]
Needs Debian's python3-jinja2 (scripts/install-deps.sh)."""
import json
import os
import sys

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def token_text(t):
    if isinstance(t, str):
        return t
    if isinstance(t, dict) and isinstance(t.get("content"), str):
        return t["content"]
    return None


def template_of(directory, model, tools):
    with open(os.path.join(directory, model, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    path = os.path.join(directory, model, "chat_template.jinja")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return config, f.read()
    t = config["chat_template"]
    if isinstance(t, str):
        return config, t
    named = {e["name"]: e["template"] for e in t}
    return config, named["tool_use"] if tools and "tool_use" in named else named["default"]


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def write_json(value, out_file):
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write("\n")


def snippets(in_file, out_file):
    env = environment()
    with open(in_file, encoding="utf-8") as f:
        cases = json.load(f)
    write_json([[t, v, env.from_string(t).render(**v)] for t, v, *_ in cases], out_file)


def main(directory, out_file):
    env = environment()
    with open(os.path.join(directory, "conversations.json"), encoding="utf-8") as f:
        conversations = json.load(f)
    with open(os.path.join(directory, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    out = []
    for case in cases:
        for name in case["conversations"]:
            conv = conversations[name]
            for add_generation_prompt in (False, True):
                config, source = template_of(directory, case["model"], conv.get("tools"))
                variables = dict(messages=conv["messages"], tools=conv.get("tools"), documents=conv.get("documents"),
                                 add_generation_prompt=add_generation_prompt)
                for token in ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"):
                    if token in config and token_text(config[token]) is not None:
                        variables[token] = token_text(config[token])
                variables.update(case.get("extra", {}))
                entry = dict(model=case["model"], conversation=name, add_generation_prompt=add_generation_prompt)
                if "extra" in case:
                    entry["extra"] = case["extra"]
                try:
                    entry["text"] = env.from_string(source).render(**variables)
                except TemplateError as e:
                    entry["error"] = str(e)
                out.append(entry)
    write_json(out, out_file)


if __name__ == "__main__":
    if sys.argv[1] == "--snippets":
        snippets(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1], sys.argv[2])

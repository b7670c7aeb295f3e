"""Build or check ``audit_lib/rules/rulebook.toml``, the rule catalogue as data.

The reference is the team's prose rulebook, ``../shared/RULEBOOK.md`` beside the checkout.
Each rule there is either a bold header line (``**CLM-NPI-02 — title** · CLAIMS · row ·
ERROR`` then its definition, up to a blank line) or a table row (``| CLM-DT-01 | predicate |
ERROR |``). This tool reads both forms and writes, for every rule the suite evaluates, the
rulebook's section, dataset, definition and stated source beside the project's own title,
severity, citation and the amount a finding puts at stake.

    python tools/build_rulebook.py            # rewrite the data file from RULEBOOK.md
    python tools/build_rulebook.py --check    # exit 1 when the data file's rulebook text
                                              # differs from RULEBOOK.md (refresh it)
    python tools/build_rulebook.py --docs     # write docs/RULES.md, docs/INPUTS.md and the
                                              # README's rule list from the data and schemas

Nothing reads RULEBOOK.md at run time or in the tests: the data file is what ships.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
RULEBOOK = ROOT.parent / "shared" / "RULEBOOK.md"
DATA = ROOT / "audit_lib" / "rules" / "rulebook.toml"

HEADING = re.compile(r"^#{2,5}\s+(\d+(?:\.\d+)*)\s")
BOLD = re.compile(r"^\*\*([A-Z]+-[A-Z0-9]+(?:-[A-Z0-9]+)*)\s+—\s+(.+?)\*\*\s*·\s*(.+)$")
ROW = re.compile(r"^\|\s*([A-Z]+-[A-Z0-9]+(?:-[A-Z0-9]+)*)\s*\|")
CONFIDENCE = re.compile(r"\[([CKU])\]")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def parse(text: str) -> dict[str, dict[str, str]]:
    """Every rule of the rulebook: section, dataset, definition, source, confidence."""
    rules: dict[str, dict[str, str]] = {}
    section, header, dataset_hint = "", None, ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := HEADING.match(line):
            section, header = m.group(1), None
        elif line.startswith("| ID"):
            header = [c.strip().lower() for c in line.strip("|").split("|")]
            i += 1  # the |---| line
        elif header and (m := ROW.match(line)):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            row = dict(zip(header, cells, strict=False))
            definition = " ".join(
                v for k, v in row.items() if k not in ("id", "sev") and not k.startswith("data")
            )
            rules.setdefault(
                m.group(1),
                {
                    "section": section,
                    "dataset": dataset_hint,
                    "definition": _clean(definition),
                    "rulebook_source": "",
                    "confidence": "",
                },
            )
        elif m := BOLD.match(line):
            header = None
            parts = [p.strip() for p in m.group(3).split("·")]
            # "CLAIMS · row · ERROR", "row · ERROR: definition" or "... · ERROR · definition"
            sev = next((k for k, p in enumerate(parts) if re.match(r"(ERROR|WARN|INFO)", p)), -1)
            inline = " · ".join([parts[sev].partition(":")[2], *parts[sev + 1 :]]).strip(" ·")
            body: list[str] = [inline] if inline else []
            j = i + 1
            while j < len(lines) and lines[j].strip() and not BOLD.match(lines[j]):
                body.append(lines[j].strip())
                j += 1
            text_body = " ".join(body)
            definition, _, source = text_body.partition("Source:")
            conf = CONFIDENCE.findall(text_body)
            rules.setdefault(
                m.group(1),
                {
                    "section": section,
                    # "CLAIMS · row · ERROR", or "row · ERROR" under a dataset's heading
                    "dataset": parts[0] if sev >= 2 else "",
                    "definition": _clean(f"{m.group(2)}. {definition}"),
                    "rulebook_source": _clean(CONFIDENCE.sub("", source)),
                    "confidence": conf[-1] if conf else "",
                },
            )
            i = j
            continue
        i += 1
    return rules


def _dataset(review: str) -> str:
    return {"claims": "CLAIMS", "refunds": "REFUNDS", "access": "ACCESS_LOG"}[review]


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(rulebook: dict[str, dict[str, str]], catalogue: list[dict]) -> str:
    out = [
        "# The rule catalogue as data: one [[rule]] per rule the suite evaluates.",
        "# title, severity, severity_institutional, amount and source are the project's;",
        "# section, dataset, definition, rulebook_source and confidence come from the team's",
        "# rulebook (RULEBOOK.md; tools/build_rulebook.py refreshes them). Confidence: C",
        "# confirmed in the cited source, K domain knowledge, U unconfirmed (RULEBOOK 0).",
        "",
    ]
    for rule in catalogue:
        ref = rulebook.get(rule["id"], {})
        fields = {
            "id": rule["id"],
            "review": rule["review"],
            "title": rule["title"],
            "severity": rule["severity"],
            "severity_institutional": rule.get("severity_institutional"),
            "amount": rule.get("amount"),
            "source": rule["source"],
            "section": ref.get("section", rule.get("section", "")),
            "dataset": ref.get("dataset") or _dataset(rule["review"]),
            "definition": ref.get("definition", rule.get("definition", "")),
            "rulebook_source": ref.get("rulebook_source", ""),
            "confidence": ref.get("confidence", ""),
        }
        out.append("[[rule]]")
        fields["amount"] = fields["amount"] or ""  # "" : the finding puts no amount at stake
        for key, value in fields.items():
            if value is None:
                continue
            out.append(f"{key} = {_toml_string(str(value))}")
        out.append("")
    return "\n".join(out)


def write_docs() -> int:
    sys.path.insert(0, str(ROOT))
    from audit_lib.rules import readme_rule_list, rules_markdown
    from audit_lib.runs.docs import inputs_markdown

    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "RULES.md").write_text(rules_markdown(), "utf-8")
    (docs / "INPUTS.md").write_text(inputs_markdown(), "utf-8")
    readme = ROOT / "README.md"
    text = readme.read_text("utf-8")
    begin, end = "<!-- rules: begin -->\n", "<!-- rules: end -->"
    a, b = text.index(begin) + len(begin), text.index(end)
    readme.write_text(text[:a] + readme_rule_list() + text[b:], "utf-8")
    print("wrote docs/RULES.md, docs/INPUTS.md and the README's rule list")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--docs", action="store_true")
    ap.add_argument("--rulebook", type=Path, default=RULEBOOK)
    args = ap.parse_args()
    if args.docs:
        return write_docs()
    rulebook = parse(args.rulebook.read_text("utf-8"))
    current = tomllib.loads(DATA.read_text("utf-8"))["rule"] if DATA.is_file() else []
    text = render(rulebook, current)
    if args.check:
        if DATA.read_text("utf-8") != text:
            print(f"{DATA.relative_to(ROOT)} differs from {args.rulebook}: run this tool")
            return 1
        print(f"{DATA.relative_to(ROOT)} is in step with {args.rulebook}")
        return 0
    DATA.write_text(text, "utf-8")
    print(f"wrote {DATA.relative_to(ROOT)}: {len(current)} rules, {len(rulebook)} in the rulebook")
    return 0


if __name__ == "__main__":
    sys.exit(main())

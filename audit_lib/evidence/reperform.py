"""``audit reperform``: verify the package, run the recorded review again, and compare what it
found: findings.csv and cases.csv byte for byte, and the KPIs, counts and control totals of
summary.json value for value."""

from __future__ import annotations

import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .manifest import MANIFEST, sha256_file
from .verify import Tree, _run_prefix, verify


@dataclass
class ReperformReport:
    identical: bool
    lines: list[str] = field(default_factory=list)


def _numbered(files: dict[str, Path], stem: str) -> list[str]:
    """``stem``, ``stem_2``, ``stem_3``... (or ``stem_1``...) in their numeric order."""
    names = [k for k in files if k == stem or (k.startswith(stem + "_") and k[-1].isdigit())]
    return sorted(names, key=lambda k: int(k.rsplit("_", 1)[1]) if k != stem else 1)


def reperform(target: str | Path, *, inputs_dir: str | Path | None = None) -> ReperformReport:
    from ..claims.review import run_claims_review
    from ..config import load_config

    checked = verify(target)
    report = ReperformReport(identical=False)
    if not checked.intact:
        report.lines.append(f"{target} is NOT INTACT, so it is not re-performed:")
        report.lines += [f"  {line}" for line in checked.failures]
        return report
    report.lines.append(f"{target}: intact (audit verify)")
    tree = Tree(Path(target))
    prefix = _run_prefix(tree)
    manifest = tree.json(prefix + MANIFEST)
    recorded = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    files: dict[str, Path] = {}
    for item in manifest["inputs"]:
        if "file" not in item:
            report.lines.append(f"input {item['name']}: regenerated ({item['generated']})")
            continue
        if inputs_dir is None:
            raise InputError(f"this run read {item['file']}: pass --inputs DIR holding it.")
        path = Path(inputs_dir) / item["file"]
        if not path.is_file():
            raise InputError(
                f"{item['file']} is not in {inputs_dir}; put the original input there.", path=path
            )
        if sha256_file(path) != item["sha256"]:
            report.lines.append(
                f"input {item['file']}: DIFFERENT from the recorded one "
                f"(SHA-256 {item['sha256'][:16]}...): not re-performed"
            )
            return report
        report.lines.append(f"input {item['file']}: SHA-256 matches")
        files[item["name"]] = path
    params = manifest["parameters"]
    config = load_config(**params["config"])
    if "mapping" in files:  # the run's own mapping file, checked above like any input
        from dataclasses import replace

        config = replace(config, input_profile=str(files["mapping"]))
    with tempfile.TemporaryDirectory(prefix="audit-reperform-") as tmp:
        if manifest["review"] == "refunds":
            from ..refunds.pipeline import run_refunds_review

            run_refunds_review(
                files.get("overpayments"),
                config=config,
                out_dir=tmp,
                claims=files.get("claims"),
                prior_838=files.get("prior_838"),
                cms838_certification=files.get("cms838_certification"),
                control_totals=files.get("control_totals"),
            )
        elif manifest["review"] == "access":
            from ..access.pipeline import run_access_review

            logs = [files[k] for k in _numbered(files, "access_log")]
            run_access_review(
                (logs[0] if len(logs) == 1 else logs) or None,
                workforce=files.get("workforce"),
                patients=files.get("patients"),
                encounters=files.get("encounters"),
                config=config,
                out_dir=tmp,
            )
        else:
            claim_names = _numbered(files, "claims")
            remit_names = _numbered(files, "remits")
            claim_files = [files[k] for k in claim_names]
            run_claims_review(
                (claim_files[0] if len(claim_files) == 1 else claim_files) or None,
                remits=[files[k] for k in remit_names] or None,
                config=config,
                out_dir=tmp,
                control_totals=files.get("control_totals"),
            )
        report.identical = _compare(tree, prefix, recorded, Path(tmp), report)
    return report


#: what summary.json must reproduce: the numbers a reader compares, not the run's own record
SUMMARY_KEYS = ("counts", "findings", "kpis", "kpi_tables", "control_totals", "reconciliation")


def _compare(
    tree: Tree, prefix: str, recorded: dict[str, str], new: Path, report: ReperformReport
) -> bool:
    same = True
    for name in ("findings.csv", "cases.csv"):
        if name not in recorded:
            continue
        if (new / name).is_file() and sha256_file(new / name) == recorded[name]:
            report.lines.append(f"{name}: identical, byte for byte (SHA-256 {recorded[name]})")
            continue
        same = False
        report.lines.append(f"{name}: DIFFERENT from the recorded {name}")
        if name == "findings.csv" and (new / name).is_file():
            report.lines += _rule_counts(tree.read(prefix + name), new / name)
    old_summary = tree.json(prefix + "summary.json") if "summary.json" in recorded else {}
    now_summary = json.loads((new / "summary.json").read_text("utf-8"))
    for key in SUMMARY_KEYS:
        if key not in old_summary and key not in now_summary:
            continue
        if old_summary.get(key) == now_summary.get(key):
            report.lines.append(f"summary.json {key}: identical")
        else:
            same = False
            report.lines.append(f"summary.json {key}: DIFFERENT from the recorded values")
    return same


def _rule_counts(old_bytes: bytes, new: Path) -> list[str]:
    old = pd.read_csv(io.BytesIO(old_bytes))
    now = pd.read_csv(new)
    counts = pd.concat(
        [
            old["rule_id"].value_counts().rename("recorded"),
            now["rule_id"].value_counts().rename("re-performed"),
        ],
        axis=1,
    )
    counts = counts.fillna(0).astype(int)
    diff = counts[counts["recorded"] != counts["re-performed"]]
    return [f"  {r}: recorded {a}, re-performed {b}" for r, (a, b) in diff.iterrows()]

"""``audit reperform``: verify the package, run the recorded review again, and compare what it
found: findings.csv and cases.csv byte for byte, and the KPIs, counts and control totals of
summary.json value for value."""

from __future__ import annotations

import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..evidence.manifest import MANIFEST, sha256_file
from ..evidence.verify import Tree, run_prefix, verify
from .registry import Review, review


@dataclass
class ReperformReport:
    identical: bool
    lines: list[str] = field(default_factory=list)


def reperform(target: str | Path, *, inputs_dir: str | Path | None = None) -> ReperformReport:
    from ..config import load_config

    checked = verify(target)
    report = ReperformReport(identical=False)
    if not checked.intact:
        report.lines.append(f"{target} is NOT INTACT, so it is not re-performed:")
        report.lines += [f"  {line}" for line in checked.failures]
        return report
    report.lines.append(f"{target}: intact (audit verify)")
    tree = Tree(Path(target))
    prefix = run_prefix(tree)
    manifest = tree.json(prefix + MANIFEST)
    report.lines.append(_same_code(manifest.get("tool") or {}))
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
    spec = review(manifest["review"])
    with tempfile.TemporaryDirectory(prefix="audit-reperform-") as tmp:
        main, others = _arguments(spec, files)
        spec.compute_function()(main, **others, config=config, out_dir=tmp)
        report.identical = _compare(tree, prefix, recorded, Path(tmp), report)
    return report


def _same_code(recorded: dict[str, str]) -> str:
    """Whether this is the code that made the run (its fingerprint, else its version): a
    different one may find differently for that reason alone, which the auditor must know."""
    from ..evidence.manifest import tool

    now = tool()
    if recorded.get("code_sha256") == now["code_sha256"]:
        return f"code: audit-suite {now['version']}, the same code as the run's"
    if "code_sha256" not in recorded:  # a run made before the fingerprint was recorded
        return (
            f"code: audit-suite {now['version']} (the run's: {recorded.get('version')}, "
            f"commit {recorded.get('git_commit')}; no code fingerprint recorded)"
        )
    return (
        f"code: DIFFERENT from the run's (run: audit-suite {recorded.get('version')}, code "
        f"{recorded['code_sha256'][:16]}...; now: {now['version']}, "
        f"{now['code_sha256'][:16]}...): install the run's version to re-perform it exactly "
        "(the evidence package's README says how)"
    )


def _arguments(spec: Review, files: dict[str, Path]) -> tuple[Any, dict[str, Any]]:
    """The compute function's arguments from the manifest's input files: the main input,
    then each other input by its name; several files (``claims``, ``claims_2``...) as a list
    in their recorded order."""
    args: dict[str, Any] = {}
    for item in spec.inputs:
        names = sorted(
            (n for n in files if item.is_manifest_name(n)),
            key=lambda n: int(n.rsplit("_", 1)[1]) if n != item.name else 1,
        )
        paths = [files[n] for n in names]
        args[item.name] = (paths if len(paths) > 1 else paths[0]) if paths else None
    return args.pop(spec.main.name), args


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

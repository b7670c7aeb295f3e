"""``audit reperform``: run the recorded review again and compare the findings byte for byte."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .manifest import MANIFEST, sha256_file
from .verify import Tree, _run_prefix


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

    tree = Tree(Path(target))
    prefix = _run_prefix(tree)
    manifest = tree.json(prefix + MANIFEST)
    recorded = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    report = ReperformReport(identical=False)
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
        new = Path(tmp) / "findings.csv"
        same = sha256_file(new) == recorded["findings.csv"]
        report.identical = same
        if same:
            report.lines.append(
                f"findings.csv: identical, byte for byte (SHA-256 {recorded['findings.csv']})"
            )
        else:
            old = pd.read_csv(io.BytesIO(tree.read(prefix + "findings.csv")))
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
            report.lines.append("findings.csv: DIFFERENT from the recorded findings")
            report.lines += [
                f"  {r}: recorded {a}, re-performed {b}" for r, (a, b) in diff.iterrows()
            ]
    return report

"""Write user rule files in tests: a good rule as TOML text, with any key changed or left out."""

from __future__ import annotations

from pathlib import Path

GOOD = {
    "code": '"ACME101"',
    "name": '"big-gpu-count"',
    "severity": '"warning"',
    "table": '"workloads"',
    "when": '"gpu_count > max_gpus"',
    "message": '"workload {workload_id} has {gpu_count} GPUs"',
    "summary": '"Too many GPUs"',
    "rationale": '"Big jobs need a plan."',
    "remediation": '"Split it."',
}


def rule_text(params: str = "max_gpus = 100", **changes: str | None) -> str:
    """The good rule with keys changed (None leaves a key out) and a [params] table unless empty."""
    fields = {**GOOD, **changes}
    body = "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)
    return body + (f"[params]\n{params}\n" if params else "")


def write_rule(folder: Path, text: str, name: str = "ACME101.toml") -> Path:
    """Write `text` as folder/name (the folder is made when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path

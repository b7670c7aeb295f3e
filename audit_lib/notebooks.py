"""Running review notebooks with Papermill and rendering them to HTML without code.

Parameters are checked strictly (Papermill only warns on unknown names). When a notebook
fails, the partial notebook is kept as evidence; an input or configuration error raised inside
the kernel comes back as the same error class, so the CLI exits 2 with the same one-line
message it would give without Jupyter.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .errors import ConfigError, NotebookRunError, user_error_class

__all__ = ["notebooks_dir", "render_html", "run_notebook"]


def notebooks_dir() -> Path:
    """The review notebooks: ``AUDIT_NOTEBOOKS_DIR`` or the ones shipped with the package."""
    from .paths import bundled_dir

    env = os.environ.get("AUDIT_NOTEBOOKS_DIR")
    return Path(env) if env else bundled_dir("notebooks")


def run_notebook(
    name: str,
    parameters: dict[str, Any],
    out_dir: Path,
    *,
    progress: bool = False,
    shown_as: Path | None = None,
) -> Path:
    """Execute ``notebooks/<name>.ipynb`` into ``out_dir/<name>.ipynb``, then make it
    reproducible (:func:`_reproducible`); ``shown_as`` is the folder the run will be moved to,
    named in the notebook instead of the staging folder."""
    import papermill as pm

    source = notebooks_dir() / f"{name}.ipynb"
    if not source.is_file():
        raise ConfigError(
            f"notebook {source} not found. Set AUDIT_NOTEBOOKS_DIR to the notebooks/ folder."
        )
    declared = pm.inspect_notebook(str(source))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ConfigError(
            f"{source.name} has no parameter(s) {', '.join(unknown)}; "
            f"it takes {', '.join(declared)}."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.ipynb"
    _quiet_kernel_channels()
    try:
        pm.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=progress,
            cwd=str(out_dir),
            log_output=False,
            # no TCP-encryption notice, no "KeyboardInterrupt caught" at shutdown on stderr: kernel
            # failures still come back as PapermillExecutionError
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except pm.PapermillExecutionError as exc:
        cls = user_error_class(exc.ename)  # a user error of the suite's error tree (exit 2)
        if cls is not None:  # the suite's own message: it names places, never values
            raise cls(exc.evalue) from None
        if not os.environ.get("AUDIT_DEBUG"):
            _withhold_error_values(target)
        raise NotebookRunError(
            f"{source.name} failed in cell {exc.exec_count}: {exc.ename} (its message is "
            f"withheld: it may quote the data). The partial notebook is kept at {target}.",
            notebook_path=target,
            cause=exc.ename,
        ) from None
    _reproducible(target, out_dir, shown_as or out_dir)
    return target


_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")


def _quiet_kernel_channels() -> None:
    """Tornado logs a traceback when a kernel's ZMQ stream closes while a callback is pending,
    which happens at random when a failed notebook's kernel is shut down: channel teardown,
    not an audit error; the notebook's own error is reported as it always is."""
    import logging

    for name in ("tornado", "tornado.general", "tornado.application"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _reproducible(notebook: Path, stage: Path, final: Path) -> None:
    """The same run gives the same notebook, byte for byte: Papermill's and the kernel's
    timings are dropped (the run's own times are in the manifest), the injected parameters
    cell gets a fixed id, and the staging folder is named as the folder the run ends in."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        for output in cell.get("outputs", []):  # "<...Styler at 0x7f...>": an address
            plain = output.get("data", {}).get("text/plain")
            if isinstance(plain, str):
                output["data"]["text/plain"] = _ADDRESS.sub(">", plain)
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        nb.metadata.get("papermill", {}).pop(key, None)
    text = nbformat.writes(nb).replace(str(stage.resolve()), str(final.resolve()))
    if str(stage) != str(stage.resolve()):
        text = text.replace(str(stage), str(final))
    notebook.write_text(text, encoding="utf-8")


def _withhold_error_values(notebook: Path) -> None:
    """In the kept partial notebook, an unexpected error's message and the traceback's last
    line (which quote the failing value) are withheld; the frames that say where stay."""
    import nbformat

    if not notebook.is_file():
        return
    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            user_error = user_error_class(out.get("ename", "")) is not None
            if out.get("output_type") == "error" and not user_error:
                out["evalue"] = "(withheld: it may quote the data; AUDIT_DEBUG=1 keeps it)"
                tail = f"{out.get('ename')}: (message withheld)"
                out["traceback"] = [*out.get("traceback", [])[:-1], tail]
    nbformat.write(nb, str(notebook))


def render_html(notebook: Path, html: Path) -> Path:
    """Render an executed notebook to HTML with no code cells and no prompts."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _resources = exporter.from_notebook_node(nb)
    html.write_text(body, encoding="utf-8")
    return html

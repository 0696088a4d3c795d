"""``POST /v1/loads``: a file upload through the same loader as ``oprisk load``.

The upload is written to a private temporary directory under its own base name (the loader reads
the format from the extension and the default source from the stem), loaded as the caller, and
answered with the load report, every rejected row and the rejects file's text; the directory is
then removed. A mapping is a preset name or an uploaded TOML file, never a path on the server.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from oprisk.api import Database
from oprisk.http.auth import Guard
from oprisk.http.idempotent import Runner
from oprisk.http.problems import Problem, bad

PRESETS = ("canonical", "zh-CN")
#: what ``kind`` may name: the loader's kinds (``oprisk load --kind``; a test keeps them equal)
KINDS = ("incidents", "movements", "financials", "assessments", "scenarios", "external")
_NAME = re.compile(r"^[\w.\- ()\u3000-\u9fff]{1,200}$")


def _save(upload: UploadFile, folder: Path, limit: int, field: str) -> tuple[Path, str]:
    name = Path(upload.filename or "").name
    if not name or not _NAME.match(name) or name.startswith("."):
        raise bad(f"{field}.filename", upload.filename, "must be a plain file name")
    digest = hashlib.sha256()
    size = 0
    path = folder / name
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise Problem(413, "too-large", f"{field} is larger than {limit:,} bytes")
            digest.update(chunk)
            out.write(chunk)
    return path, digest.hexdigest()


def router(db: Database, guard: Guard, runner: Runner, max_bytes: int) -> APIRouter:
    r = APIRouter(tags=["loads"])

    @r.post("/v1/loads", dependencies=[guard.need("load")])
    def load(
        request: Request,
        file: Annotated[UploadFile, File(description="CSV, XLSX or JSON Lines")],
        kind: str | None = Form(None, description=", ".join(KINDS)),
        mapping: str | None = Form(None, description="a preset: canonical or zh-CN"),
        mapping_file: Annotated[UploadFile | None, File(description="a TOML mapping")] = None,
        source: str | None = Form(None, description="source system (default: the file's stem)"),
        sheet: str | None = Form(None, description="XLSX sheet name or 0-based index"),
        strict: bool = Form(False, description="load nothing if any row is rejected"),
    ) -> Response:
        """Load an uploaded file as the caller; returns the load report with every rejected row
        (line, field, reason) and the rejects file."""
        caller = guard.confirm(request)
        if mapping is not None and mapping_file is not None:
            raise Problem(400, "validation", "give mapping (a preset) or mapping_file, not both")
        if mapping is not None and mapping not in PRESETS:
            rule = f"must be a preset ({', '.join(PRESETS)}); upload a TOML mapping as mapping_file"
            raise bad("mapping", mapping, rule)
        with tempfile.TemporaryDirectory(prefix="oprisk-upload-") as tmp:
            folder = Path(tmp)
            path, digest = _save(file, folder, max_bytes, "file")
            mapping_ref: Any = mapping
            mapping_digest = None
            if mapping_file is not None:
                (folder / "mapping").mkdir()
                mapping_ref, mapping_digest = _save(
                    mapping_file, folder / "mapping", max_bytes, "mapping_file"
                )
            form = {
                "file": [path.name, digest],
                "mapping": mapping,
                "mapping_file": mapping_digest,
                "kind": kind,
                "source": source,
                "sheet": sheet,
                "strict": strict,
            }

            def produce() -> tuple[int, dict[str, Any], dict[str, str]]:
                report = db.load(
                    [path],
                    kind=kind,
                    mapping=mapping_ref,
                    source=source,
                    actor=caller.name,
                    sheet=int(sheet) if sheet and sheet.isdigit() else sheet,
                    strict=strict,
                    progress=False,
                )
                body = _relative(report.to_dict(), folder)
                rejects = [Path(p) for p in report.rejects_paths]
                body["rejects_csv"] = (
                    rejects[0].read_text(encoding="utf-8")
                    if rejects and rejects[0].is_file()
                    else None
                )
                body["ok"] = report.ok
                body["request_id"] = request.state.request_id
                return 200, body, {"Content-Type": "application/json"}

            return runner.once(request, caller, form, produce)

    return r


def _relative(d: Any, folder: Path) -> Any:
    """The report with the temporary directory taken out of every path."""
    prefix = str(folder) + "/"
    if isinstance(d, dict):
        return {k: _relative(v, folder) for k, v in d.items()}
    if isinstance(d, list):
        return [_relative(v, folder) for v in d]
    if isinstance(d, str) and d.startswith(prefix):
        return d[len(prefix) :]
    return d

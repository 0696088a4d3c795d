"""``oprisk export``: regulatory templates as known at a knowledge cut-off, ``--verify`` and
``--validate``.

``oprisk export --period 2026-06-30 --as-of T --format xbrl-csv --entity LEI --out DIR`` writes
the EBA 4.2 report package and ``manifest.json`` (cut-off position and time, parameters,
version, SHA-256 of every file, the checkpoint of the log it was made from, and with
``--sign KEY`` a signature); ``--framework`` picks 4.2 or the legacy templates (default: the one
the period calls for). ``oprisk export --verify DIR [--public-key PUB]`` re-runs the export from
the manifest in a temporary directory and exits 1 naming every file whose bytes differ, a file
the manifest does not list, or a signature that does not check; ``oprisk export --validate
PACKAGE`` checks a report package's structure and exits 1 naming each problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from oprisk.cli.options import Command, open_db, parse_as_of, parse_subsidiaries, settings


@click.command("export", cls=Command)
@click.option(
    "--template",
    "templates",
    multiple=True,
    help="Templates (repeat or comma-separate), or all. Legacy: c16, c17.01, c17.02; 4.2: "
    "c16.01, c16.02, c16.03, c16.04, c17.01, c17.02; both: or1, or2, or3. "
    "Default: the framework's COREP templates.",
)
@click.option(
    "--period",
    default=None,
    help="2025 (calendar year), 2025-H1 (interim) or a quarter-end reference date (2026-06-30).",
)
@click.option(
    "--framework",
    type=click.Choice(["4.2", "legacy"]),
    default=None,
    help="COREP framework (default: 4.2 from reference date 2026-06-30, legacy before).",
)
@click.option(
    "--as-of",
    default=None,
    help="Knowledge cut-off: ISO date/timestamp or a log position (default: now).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    default=("xlsx",),
    show_default=True,
    help="xlsx, csv, json or xbrl-csv (repeat or comma-separate).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory (created if missing).",
)
@click.option("--entity", default=None, help="LEI of the reporting entity (xbrl-csv).")
@click.option(
    "--basis",
    type=click.Choice(["consolidated", "individual"]),
    default=None,
    help="Consolidation basis of the xbrl-csv entity id (.CON / .IND; default consolidated).",
)
@click.option("--country", default=None, help="Country of the competent authority (file name).")
@click.option(
    "--threshold",
    default=None,
    help="C 17.01 data-collection threshold (default 20000: OPE25 / CRR3 Art 319(1)).",
)
@click.option("--large-loss", default=None, help="C 17.02 gross-loss threshold (default 100000).")
@click.option(
    "--include-credit-boundary", is_flag=True, help="C 17: keep credit-risk boundary losses."
)
@click.option(
    "--approach",
    type=click.Choice(["bia", "tsa", "asa"]),
    default=None,
    help="Legacy C 16.00 approach (default tsa).",
)
@click.option("--profile", default=None, help="OR1-OR3 jurisdiction profile (default basel).")
@click.option(
    "--sa-threshold",
    default=None,
    help="Loss threshold of the standardised approach (OR1 / OR3 / C 16; default 20000).",
)
@click.option("--legal-entity", default=None, help="Legal entity of the financial inputs.")
@click.option(
    "--subsidiary",
    "subsidiaries",
    multiple=True,
    help="C 16.04: an Art 314(3) subsidiary as NAME=LEI (repeat).",
)
@click.option(
    "--art316-waiver", is_flag=True, help="The institution holds a CRR3 Art 316(2) waiver."
)
@click.option(
    "--fc-approach",
    type=click.Choice(["accounting", "prudential"]),
    default=None,
    help="C 16.01.b: values the financial component uses (default accounting).",
)
@click.option(
    "--verify",
    "verify_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Re-run the export in DIR from its manifest and compare every file's SHA-256.",
)
@click.option(
    "--validate",
    "package",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Check the structure of an xBRL-CSV report package.",
)
@click.option(
    "--force", is_flag=True, help="Export into a non-empty folder, removing files not exported."
)
@click.option(
    "--sign",
    "sign_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Sign the manifest with this Ed25519 key (oprisk keys new).",
)
@click.option("--signer", default=None, help="Who signs (default: the key file's name).")
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="With --verify: the key the manifest must be signed with.",
)
@click.pass_context
def export(
    ctx: click.Context,
    templates: tuple[str, ...],
    period: str | None,
    framework: str | None,
    as_of: str | None,
    formats: tuple[str, ...],
    out_dir: Path | None,
    entity: str | None,
    basis: str | None,
    country: str | None,
    threshold: str | None,
    large_loss: str | None,
    include_credit_boundary: bool,
    approach: str | None,
    profile: str | None,
    sa_threshold: str | None,
    legal_entity: str | None,
    subsidiaries: tuple[str, ...],
    art316_waiver: bool,
    fc_approach: str | None,
    verify_dir: Path | None,
    package: Path | None,
    force: bool,
    sign_key: Path | None,
    signer: str | None,
    public_key: Path | None,
) -> None:
    """Export COREP C 16 / C 17 and Pillar 3 OR1-OR3 tables with a manifest (or verify an export,
    or validate a report package)."""
    from oprisk.store.signing import load_private_key, load_public_key

    if package is not None:
        from oprisk.reports.validate import validate

        result = validate(package)
        click.echo(str(result), err=not result.ok)
        sys.exit(0 if result.ok else 1)
    if verify_dir is not None:
        public = load_public_key(public_key) if public_key else None
        with open_db(ctx) as db:
            report = db.reports.verify(verify_dir, public)
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        click.echo(str(report), err=not report.ok)
        sys.exit(0 if report.ok else 1)
    missing = [n for n, v in (("--period", period), ("--out", out_dir)) if not v]
    if missing:
        raise click.UsageError(f"export needs {', '.join(missing)} (or --verify DIR)")
    assert period is not None and out_dir is not None
    sign = (load_private_key(sign_key), signer or sign_key.stem) if sign_key else None
    with open_db(ctx) as db:
        result = db.reports.export(
            templates or None,
            period,
            parse_as_of(as_of),
            formats,
            out_dir,
            framework=framework,
            entity=entity,
            basis=basis,
            country=country,
            threshold=threshold,
            large_loss=large_loss,
            include_credit_boundary=include_credit_boundary or None,
            approach=approach,
            profile=profile,
            sa_threshold=sa_threshold,
            legal_entity=legal_entity,
            subsidiaries=parse_subsidiaries(subsidiaries),
            art316_waiver=art316_waiver or None,
            fc_approach=fc_approach,
            force=force,
            sign=sign,
            progress=False if settings(ctx).quiet else None,
        )
    cut = result.manifest["knowledge_cutoff"]
    click.echo(
        f"knowledge cut-off: position {cut['position']} ({cut['time'] or 'empty log'}); "
        f"framework {result.manifest['framework']}"
    )
    for name, digest in result.files.items():
        click.echo(f"{digest}  {out_dir / name}")
    click.echo(f"manifest: {out_dir / 'manifest.json'}")

"""`followup import` of an HTML page that states its own metadata needs no options."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import as_json, run

HTML = Path(__file__).resolve().parents[1] / "fixtures" / "html"


def test_a_page_stating_council_and_committee_on_one_line_imports_without_options(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path}/html.db"
    page = HTML / "district_council_one_line_counts_mismatch.html"
    result = run("import", str(page), "--dry-run", "--json", "--db", db)
    assert result.returncode == 0, (result.stdout, result.stderr)
    dry = as_json(result)
    assert (dry["created"], dry["dry_run"], dry["committed"]) == (8, True, False)
    # Committee, audited body, year and report date come from the page: only the
    # declared count that disagrees with the rows is said, as a warning.
    assert [(p["code"], p["severity"]) for p in dry["problems"]] == [("COUNT_MISMATCH", "warning")]
    assert dry["new_departments"] == ["새솔구 복지정책과"]
    assert as_json(run("audits", "--json", "--db", db)) == []

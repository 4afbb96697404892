"""``comptoir billing invoice-pdf NUMBER --output FILE`` against a migrated SQLite file."""

from __future__ import annotations

from pathlib import Path

import facturx
import pytest
from typer.testing import CliRunner

from comptoir.cli import app as comptoir_command
from comptoir.kit.db.engine import create_database
from comptoir.kit.db.migrate import upgrade
from comptoir.kit.settings import Settings, get_settings
from tests.billing.documents.factories import MULTI_RATE, add_invoice


def test_the_command_writes_the_factur_x_pdf_and_names_an_unknown_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a migrated database file with an issued invoice
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", url)
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    database = create_database(Settings(_env_file=None, database_url=url, data_dir=tmp_path))
    upgrade(database.engine)
    with database.transaction() as session:
        number = add_invoice(session, MULTI_RATE).number
    assert number is not None
    runner = CliRunner()
    output = tmp_path / "facture.pdf"
    try:
        # when the command writes its PDF, then is asked for a number that does not exist
        written = runner.invoke(
            comptoir_command,
            ["billing", "invoice-pdf", number, "--output", str(output), "--language", "en"],
        )
        unknown = runner.invoke(
            comptoir_command,
            ["billing", "invoice-pdf", "FA-1999-000001", "--output", str(tmp_path / "x.pdf")],
        )
    finally:
        get_settings.cache_clear()
        database.dispose()

    # then the file is the invoice's Factur-X PDF, and the unknown number is an error
    assert written.exit_code == 0, written.output
    filename, xml = facturx.get_facturx_xml_from_pdf(output.read_bytes())
    assert filename == "factur-x.xml"
    assert number.encode() in xml
    assert unknown.exit_code == 1
    assert "FA-1999-000001" in unknown.output
    assert not (tmp_path / "x.pdf").exists()

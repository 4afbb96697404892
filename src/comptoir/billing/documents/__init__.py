"""An invoice's documents: the Factur-X XML (EN 16931 profile), the UBL 2.1 XML and the
PDF/A-3 with the Factur-X XML embedded."""

from __future__ import annotations

from comptoir.billing.documents.cii import cii_xml
from comptoir.billing.documents.pdf import invoice_pdf
from comptoir.billing.documents.ubl import ubl_xml

__all__ = ["cii_xml", "invoice_pdf", "ubl_xml"]

"""The FEC (fichier des écritures comptables) export, its validator by the administration's
rules, and the entries as a CSV for spreadsheets."""

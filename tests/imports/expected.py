"""The figures an Online Retail import must reach, computed with pandas from the file alone,
by the rules of docs/import-online-retail.md written again (the importer works with polars
and shares no code with this).

Definitions:

* a line is **kept** when it does not repeat an earlier line in every column, its invoice is
  not an ``A`` one, its stock code is none of ``AMAZONFEE``, ``CRUK``, ``B``, ``gift_0001_*``,
  its quantity is positive (negative in a ``C`` invoice), its price positive with at most
  two decimals, and its country names a country;
* an **order** is a sale invoice (not ``C``) with at least one kept line that is neither
  postage (``POST``, ``DOT``, ``C2``) nor a discount (``D``); its postage is its delivery fee;
* a **customer** is a ``CustomerID`` of an order; a **product** a stock code of an order line;
* sales and ``C`` invoices are walked by time then invoice number: a ``C`` line gives back
  units of the same customer's earlier order lines of the same stock code, latest first,
  when enough are left; a ``C`` invoice makes one **return** per order it gives back units
  of, refunded at the ``C`` line's price, plus its postage when it matches one of those
  orders' delivery fee; a ``D`` line is a discount on the customer's latest earlier order
  when that order's lines cover it;
* **revenue** is quantity x unit price of the orders' lines less their discounts: postage
  not included, returns not deducted.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

POSTAGE = {"POST", "DOT", "C2"}
REFUSED = {"AMAZONFEE", "CRUK", "B"}
NO_COUNTRY = {"European Community", "Unspecified"}
COLUMNS = [
    "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
    "CustomerID", "Country",
]  # fmt: skip


def _read(path: Path, limit: int | None) -> pd.DataFrame:
    # pandas reads parquet only through pyarrow, which the project does not need: polars
    # hands the columns over as plain Python lists, and pandas does the rest.
    frame = pl.read_parquet(path, columns=COLUMNS, n_rows=limit)
    return pd.DataFrame(frame.to_dict(as_series=False))


def _kept(df: pd.DataFrame) -> pd.DataFrame:
    code, quantity, price = df["StockCode"], df["Quantity"], df["UnitPrice"]
    cancellation = df["InvoiceNo"].str.startswith("C")
    cents = (price * 100).round(6)
    keep = (
        ~df.duplicated(subset=COLUMNS, keep="first")
        & ~df["InvoiceNo"].str.startswith("A")
        & ~code.isin(REFUSED)
        & ~code.str.startswith("gift_0001_")
        & ((cancellation & (quantity < 0)) | (~cancellation & (quantity > 0)))
        & (price > 0)
        & (cents == cents.round(0))
        & ~df["Country"].isin(NO_COUNTRY)
    )
    kept = df[keep].copy()
    pence = {p: int(Decimal(str(p)) * 100) for p in kept["UnitPrice"].unique()}
    kept["pence"] = kept["UnitPrice"].map(pence)
    kept["units"] = kept["Quantity"].abs()
    kept["number"] = kept["InvoiceNo"].str.lstrip("C").astype(int)
    return kept


def expected_figures(path: Path, limit: int | None = None) -> dict[str, Any]:
    """Orders, returns, customers, products, revenue, refunded and postage (pence) of the
    first ``limit`` lines of the file."""
    kept = _kept(_read(path, limit))
    cancellation = kept["InvoiceNo"].str.startswith("C")
    sale = kept[~cancellation & (kept["StockCode"] != "D")]
    items = sale[~sale["StockCode"].isin(POSTAGE)]
    invoices = set(items["InvoiceNo"])
    sale = sale[sale["InvoiceNo"].isin(invoices)]
    heads = sale.groupby("InvoiceNo", sort=False).agg(
        customer=("CustomerID", "first"), placed=("InvoiceDate", "min"), number=("number", "first")
    )
    postage = sale[sale["StockCode"].isin(POSTAGE)].groupby("InvoiceNo")
    fees = {
        invoice: [group["StockCode"].iloc[0], int((group["units"] * group["pence"]).sum())]
        for invoice, group in postage
    }
    amounts = (items["units"] * items["pence"]).groupby(items["InvoiceNo"]).sum().to_dict()
    lines = {
        invoice: list(zip(group["StockCode"], group["units"], strict=True))
        for invoice, group in items.groupby("InvoiceNo", sort=False)
    }
    other = kept[cancellation | (kept["StockCode"] == "D")]
    events = [(row["placed"], row["number"], 0, invoice) for invoice, row in heads.iterrows()]
    events += [
        (group["InvoiceDate"].min(), group["number"].iloc[0], 1, invoice)
        for invoice, group in other.groupby("InvoiceNo")
    ]
    left: dict[tuple[Any, str], list[list[Any]]] = {}  # (customer, code) -> [invoice, units]
    latest: dict[Any, str] = {}
    discounts: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()
    refunded = 0
    groups = dict(tuple(other.groupby("InvoiceNo")))
    for _, _, kind, invoice in sorted(events):
        if kind == 0:
            customer = heads.loc[invoice, "customer"]
            if pd.isna(customer):
                continue
            latest[customer] = invoice
            for code, units in lines[invoice]:
                left.setdefault((customer, code), []).append([invoice, units])
            continue
        group = groups[invoice]
        rank = group["StockCode"].map(lambda c: 2 if c == "D" else 1 if c in POSTAGE else 0)
        given: dict[str, None] = {}  # orders this C invoice gives back to, in order
        for _, row in group.assign(rank=rank).sort_values(["rank"], kind="stable").iterrows():
            amount = int(row["units"] * row["pence"])
            if row["StockCode"] == "D":
                order = latest.get(row["CustomerID"])
                if order is not None and amounts[order] - discounts.get(order, 0) >= amount:
                    discounts[order] = discounts.get(order, 0) + amount
            elif row["StockCode"] in POSTAGE:
                for order in sorted(given, key=lambda o: (heads.loc[o, "placed"], o), reverse=True):
                    fee = fees.get(order)
                    if fee is not None and fee[0] == row["StockCode"] and fee[1] >= amount:
                        fee[1] -= amount
                        refunded += amount
                        break
            else:
                stack = left.get((row["CustomerID"], row["StockCode"]), [])
                need = row["units"]
                if pd.isna(row["CustomerID"]) or sum(units for _, units in stack) < need:
                    continue
                for entry in reversed(stack):
                    taken = min(entry[1], need)
                    if taken:
                        entry[1] -= taken
                        need -= taken
                        given[entry[0]] = None
                        pairs.add((invoice, entry[0]))
                        refunded += int(taken * row["pence"])
                    if not need:
                        break
    return {
        "orders": len(heads),
        "returns": len(pairs),
        "customers": heads["customer"].dropna().nunique(),
        "products": items["StockCode"].nunique(),
        "revenue_minor": int(sum(amounts.values())) - sum(discounts.values()),
        "refunded_minor": refunded,
        "shipping_minor": sum(
            int((g["units"] * g["pence"]).sum())
            for _, g in sale[sale["StockCode"].isin(POSTAGE)].groupby("InvoiceNo")
        ),
        "order_lines": len(items),
    }
